"""The billing API: the caller's plan, invoices and payment method, and the ways to start, manage, cancel or resume
Premium. Every read and write is the caller's own; nothing here sets a plan (Stripe's webhooks do)."""

from dataclasses import asdict

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services
from billing.serializers import BillingOutput, CheckoutInput, InvoiceOutput, RedirectOutput
from billing.views import checkout_success_url


def billing_summary(user) -> dict:
    subscription = selectors.subscription_current(user)
    price = selectors.subscription_price(subscription) if subscription else None
    method = selectors.payment_method_of(user)
    return BillingOutput({
        **asdict(selectors.entitlement(user)),
        "price": asdict(price) if price else None,
        "payment_method": asdict(method) if method else None,
        "prices": [asdict(price) for price in selectors.premium_prices()],
    }).data


class BillingApi(APIView):
    @extend_schema(responses=BillingOutput)
    def get(self, request):
        return Response(billing_summary(request.user))


class InvoiceListApi(ListAPIView):
    """Your invoices, newest first."""

    serializer_class = InvoiceOutput

    def get_queryset(self):
        return selectors.invoices_of(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            InvoiceOutput([selectors.invoice_summary(invoice) for invoice in page], many=True).data)


class CheckoutApi(APIView):
    """Start Premium: a Stripe Checkout session to send the listener to. Premium starts when Stripe confirms the
    payment (its webhook), not when this answers."""

    @extend_schema(request=CheckoutInput, responses={201: RedirectOutput})
    def post(self, request):
        serializer = CheckoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.checkout_session_create(
            user=request.user, price_key=selectors.premium_lookup_key(serializer.validated_data["price"]),
            success_url=checkout_success_url(request),
            cancel_url=request.build_absolute_uri(reverse("billing:checkout-cancel")),
        )
        return Response(RedirectOutput({"url": session.url}).data, status=201)


class PortalApi(APIView):
    """A Stripe Customer Portal session: payment methods, monthly ↔ yearly, cancellation."""

    @extend_schema(request=None, responses={201: RedirectOutput})
    def post(self, request):
        session = services.portal_session_create(user=request.user,
                                                 return_url=request.build_absolute_uri(reverse("billing:page")))
        return Response(RedirectOutput({"url": session.url}).data, status=201)


class CancelApi(APIView):
    """Cancel Premium at the end of the period paid for."""

    @extend_schema(request=None, responses=BillingOutput)
    def post(self, request):
        services.subscription_cancel(user=request.user)
        return Response(billing_summary(request.user))


class ResumeApi(APIView):
    """Undo a cancellation at period end."""

    @extend_schema(request=None, responses=BillingOutput)
    def post(self, request):
        services.subscription_resume(user=request.user)
        return Response(billing_summary(request.user))
