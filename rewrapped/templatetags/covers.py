"""Pictures of songs, albums, artists and events, one way everywhere: `{% cover item %}`.

The item's picture (its `cover_url`) when one is known; otherwise, and when that picture fails to load (offline,
a host that is down, an address gone stale), a generated cover: the name's initials on a colour drawn from a
hash of the name, so the same name always looks the same and no page shows a broken image. The generated
cover is an SVG in a data: URL (allowed by the content security policy's img-src), so it needs no request;
static/js/covers.js swaps it in for a picture that fails, as inline handlers are not allowed.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import quote

from django import template
from django.utils.html import escape, format_html

register = template.Library()

@register.simple_tag
def cover(item, size: int = 48, css_class: str = "", alt: str = ""):
    """An <img> of the item's picture or its generated cover, `size` CSS pixels square. alt stays empty where
    the item's name is written beside it (the picture adds nothing for a screen reader)."""
    name = str(getattr(item, "name", None) or getattr(item, "title", None) or item or "")
    fallback = generated_cover(name)
    url = getattr(item, "cover_url", "") or ""
    classes = " ".join(part for part in ("cover", css_class) if part)
    if not url:
        return format_html('<img class="{}" src="{}" alt="{}" width="{}" height="{}">', classes, fallback, alt,
                           size, size)
    return format_html(
        '<img class="{}" src="{}" data-cover-fallback="{}" alt="{}" width="{}" height="{}" loading="lazy"'
        ' decoding="async">',
        classes, url, fallback, alt, size, size,
    )


@lru_cache(maxsize=4096)
def generated_cover(name: str) -> str:
    """A data: URL of an SVG square with up to two initials of `name` in white on a colour from its hash."""
    hue = int.from_bytes(hashlib.sha256(name.casefold().encode()).digest()[:2], "big") % 360
    # 30% lightness keeps white text above 4.5:1 contrast whatever the hue.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        f'<rect width="64" height="64" fill="hsl({hue},45%,30%)"/>'
        '<text x="32" y="41" font-size="26" font-family="sans-serif" text-anchor="middle" fill="#fff">'
        f"{escape(initials(name))}</text></svg>"
    )
    # Spaces may stay in a data: URL; what would end or break it (quotes, <, >, #, %) is encoded.
    return "data:image/svg+xml," + quote(svg, safe=" =:/,;().")


def initials(name: str) -> str:
    """The first letters (or digits) of the name's first two words: "The Beatles" → "TB", "Björk" → "B"."""
    letters = [next((char for char in word if char.isalnum()), "") for word in name.split()]
    found = "".join(letter for letter in letters if letter)[:2].upper()
    return found or "♪"
