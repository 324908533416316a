from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from promoters import selectors, services
from promoters.forms import PromoterApplicationForm
from rewrapped.api import ApplicationError


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """Apply to become a promoter, and see how the last application went."""
    user = request.user
    latest = selectors.latest_application(user=user)
    can_apply = not (user.is_guest or user.is_promoter or selectors.is_pending(latest))
    form = PromoterApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.promoter_application_submit(user=user, **form.cleaned_data)
            except ApplicationError as error:
                messages.error(request, error.message)
                status = error.status_code
            else:
                messages.success(request, "Thank you: your application is waiting for review.")
                return redirect("promoters:apply")
        else:
            status = 400
    context = {"form": form, "latest": latest, "can_apply": can_apply}
    return render(request, "promoters/apply.html", context, status=status)
