"""`{% spotify_configured as spotify_ready %}`: whether Spotify sign-in works here, for templates."""

from django import template

from accounts import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def spotify_configured(context) -> bool:
    return selectors.spotify_sign_in_configured(request=context.get("request"))
