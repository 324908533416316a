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
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# What would end or break a data: URL inside an HTML attribute; spaces and the rest may stay as they are.
_DATA_URL_ESCAPES = str.maketrans({char: f"%{ord(char):02X}" for char in "<>\"'#%&"})


@register.simple_tag
def cover(item, size: int = 48, css_class: str = "", alt: str = ""):
    """An <img> of the item's picture or its generated cover, `size` CSS pixels square. alt stays empty where
    the item's name is written beside it (the picture adds nothing for a screen reader)."""
    name = str(getattr(item, "name", None) or getattr(item, "title", None) or item or "")
    fallback = generated_cover(name)  # holds nothing HTML would read as markup: see _DATA_URL_ESCAPES
    url = getattr(item, "cover_url", "") or ""
    classes = escape(" ".join(part for part in ("cover", css_class) if part))
    size, alt = int(size), escape(alt)
    if not url:
        return mark_safe(f'<img class="{classes}" src="{fallback}" alt="{alt}" width="{size}" height="{size}">')
    return mark_safe(
        f'<img class="{classes}" src="{escape(url)}" data-cover-fallback="{fallback}" alt="{alt}" width="{size}"'
        f' height="{size}" loading="lazy" decoding="async">'
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
        f"{initials(name)}</text></svg>"
    )
    return "data:image/svg+xml," + svg.translate(_DATA_URL_ESCAPES)


def initials(name: str) -> str:
    """The first letters (or digits) of the name's first two words: "The Beatles" → "TB", "Björk" → "B"."""
    letters = [next((char for char in word if char.isalnum()), "") for word in name.split()]
    found = "".join(letter for letter in letters if letter)[:2].upper()
    return found or "♪"
