"""Event pictures people upload: only PNG, JPEG and WebP, stored and served as the format Pillow finds in the
bytes, whatever the file was called ("poster.pdf" holding a PNG is a PNG)."""

from __future__ import annotations

import warnings

from PIL import Image

# Pillow's format -> the stored file's extension and the Content-Type it is served with.
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}

# A picture is shown at most about 1,200 pixels wide. 25 megapixels takes any camera's photo (6,000 × 4,000 is
# 24) while decoding it needs at most 100 MB (four bytes a pixel) in every listener's browser that shows it;
# a 12,000 × 12,000 PNG of a few hundred kilobytes would need 576 MB. Pillow's own guard only refuses twice
# its 89-megapixel warning limit.
MAX_PIXELS = 25_000_000


def picture_format(file) -> str | None:
    """The format Pillow reads in the file's header (one of FORMATS), or None. Reads only the header, and
    leaves the file open at its start."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as picture:
                found = picture.format
    except (OSError, Image.DecompressionBombError):
        found = None
    file.seek(0)
    return found if found in FORMATS else None
