"""Taste pages: sharing your taste, listeners like you, and your match with one listener.

A listener who does not share their taste is a 404 for everyone, the same as one who does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from listening import selectors, services


class SharingForm(forms.Form):
    public = forms.BooleanField(required=False)


@login_required
@require_GET
def taste(request):
    return render(request, "listening/taste/taste.html", {
        "like_you": selectors.listeners_like_you(viewer=request.user),
        "top_artists": selectors.taste_top_artists(user=request.user),
    })


@login_required
@require_POST
def taste_sharing(request):
    form = SharingForm(request.POST)
    form.is_valid()  # an unchecked box is simply "off"
    public = form.cleaned_data.get("public", False)
    services.taste_sharing_set(user=request.user, public=public)
    if public:
        messages.success(request, "Your taste is shared: other listeners can now see how well they match you.")
    else:
        messages.info(request, "Your taste is private again: nobody can see how they match you.")
    return redirect("listening:taste")


@login_required
@require_GET
def taste_match(request, public_id):
    other = selectors.taste_match_user(viewer=request.user, public_id=public_id)
    return render(request, "listening/taste/match.html", {
        "match": selectors.taste_match(viewer=request.user, other=other),
    })
