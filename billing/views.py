from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from billing import selectors


@login_required
def billing(request):
    return render(request, "billing/page.html", {"entitlement": selectors.entitlement(request.user)})


@login_required
def upgrade(request):
    return render(request, "billing/upgrade.html", {"entitlement": selectors.entitlement(request.user)})
