import re
import unicodedata

_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """How names are matched across sources: case, accents-as-composed and spacing do not matter."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()
