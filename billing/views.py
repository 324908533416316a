from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors, services
from billing.forms import CancelForm, UpgradeForm
from rewrapped.api import ApplicationError

INVOICES_PER_PAGE = 12


@login_required
@require_GET
def billing(request):
    return _billing_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def upgrade(request):
    user = request.user
    form = UpgradeForm(request.POST if request.method == "POST" else None, prices=selectors.premium_prices())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session = services.checkout_session_create(
                    user=user, price_key=selectors.premium_lookup_key(form.cleaned_data["price"]),
                    success_url=checkout_success_url(request), cancel_url=request.build_absolute_uri(
                        reverse("billing:checkout-cancel")),
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                return _see_other(session.url)
    context = {"form": form, "entitlement": selectors.entitlement(user)}
    return render(request, "billing/upgrade.html", context, status=status)


@login_required
@require_GET
def checkout_success(request):
    """Stripe brings the listener back here after paying. Premium starts when Stripe's webhook says so, not here:
    the page waits for it on the notifications socket."""
    return render(request, "billing/checkout_success.html", {"entitlement": selectors.entitlement(request.user)})


@login_required
@require_GET
def checkout_cancel(request):
    return render(request, "billing/checkout_cancel.html")


@login_required
@require_POST
def portal(request):
    try:
        session = services.portal_session_create(
            user=request.user, return_url=request.build_absolute_uri(reverse("billing:page")))
    except ApplicationError as error:
        return _billing_page(request, error=error)
    return _see_other(session.url)


@login_required
@require_POST
def cancel(request):
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _billing_page(request, cancel_form=form, status=400)
    try:
        services.subscription_cancel(user=request.user)
    except ApplicationError as error:
        return _billing_page(request, error=error)
    messages.success(request, "Premium is cancelled: it stays until the end of the period you paid for.")
    return redirect("billing:page")


@login_required
@require_POST
def resume(request):
    try:
        services.subscription_resume(user=request.user)
    except ApplicationError as error:
        return _billing_page(request, error=error)
    messages.success(request, "Premium continues: it renews as before.")
    return redirect("billing:page")


def checkout_success_url(request) -> str:
    # Stripe fills in {CHECKOUT_SESSION_ID} itself when it sends the listener back.
    return request.build_absolute_uri(reverse("billing:checkout-success")) + "?session_id={CHECKOUT_SESSION_ID}"


def _see_other(url: str) -> HttpResponseRedirect:
    """303: after a POST, the browser GETs Stripe's page."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _billing_page(request, *, cancel_form=None, error: ApplicationError | None = None, status: int = 200):
    user = request.user
    invoices = selectors.invoices_of(user)
    history_error = None
    customer = selectors.customer_of(user)
    if customer is not None and not invoices.exists():
        try:
            services.invoices_sync(user=user)
        except ApplicationError as sync_error:
            history_error = sync_error.message
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    subscription = selectors.subscription_current(user)
    context = {
        "entitlement": selectors.entitlement(user),
        "plan_price": selectors.subscription_price(subscription) if subscription else None,
        "prices": selectors.premium_prices(),
        "payment_method": selectors.payment_method_of(user),
        "has_customer": customer is not None,
        "invoices": [selectors.invoice_summary(invoice) for invoice in page],
        "page": page,
        "history_error": history_error,
        "cancel_form": cancel_form or CancelForm(),
        "error": error,
    }
    return render(request, "billing/page.html", context, status=error.status_code if error else status)
