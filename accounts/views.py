from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from hijack.views import AcquireUserView

from accounts import services
from accounts.data_export import data_export_response
from accounts.forms import AccountDeleteForm, GuestUpgradeForm, ProfileForm
from rewrapped.api import ApplicationError

RECENT_SIGN_IN = timedelta(minutes=10)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def upgrade(request):
    if not request.user.is_guest:
        messages.info(request, "Your account already has an email and password.")
        return redirect("accounts:profile")
    form = GuestUpgradeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.guest_upgrade(
                user=request.user, email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except ApplicationError as error:
            form.add_error("email", error.message)
        else:
            # A new password rotates the session hash; sign the user straight back in.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # Signing in with the address waits for its owner to confirm it, as after any sign-up.
            EmailAddress.objects.get(user=user, email=user.email).send_confirmation(request)
            messages.success(request, f"Your account is upgraded. Confirm {user.email} with the link we just emailed "
                                      "you, then you can sign in with it and your password.")
            return redirect("accounts:profile")
    return render(request, "accounts/upgrade.html", {"form": form})


@login_required
@require_GET
def data_export(request):
    return data_export_response(request)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    recently = bool(request.user.last_login and request.user.last_login > timezone.now() - RECENT_SIGN_IN)
    form = AccountDeleteForm(request.POST or None, user=request.user, recently_signed_in=recently)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user)
        except ApplicationError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            logout(request)
            messages.success(request, "Your account and all your data are deleted. Goodbye, and thanks for "
                                      "listening.")
            return redirect("home")
    return render(request, "accounts/delete.html", {"form": form}, status=status)


class ImpersonationStart(AcquireUserView):
    """django-hijack's start of acting as someone, for a `user_pk` that names no user answering 400 (hijack's own
    answers a 500 for a non-number and a 404 for an unknown one), whoever asks."""

    def get_object(self, queryset=None):
        try:
            return self.model.objects.get(pk=int(self.request.POST["user_pk"]))
        except (ValueError, self.model.DoesNotExist):
            raise BadRequest("user_pk names no user.") from None
