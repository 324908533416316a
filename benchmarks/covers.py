"""What pictures cost a page: rendering `{% cover %}` for items with a picture and for items without one (the
generated cover, in a data: URL), in time per cover and bytes of HTML per cover, and what the dashboard's four
top lists of 20 add to its HTML, offline (every cover generated) and online (every cover a picture).

    DEBUG=1 .venv/bin/python benchmarks/covers.py [--covers 10000]

Needs no database: covers are rendered for plain objects with a name (and a picture address when online),
each name different, so nothing comes from the cache of generated covers.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.template import Context, Template  # noqa: E402

TOP_LISTS, ROWS = 4, 20


class Item:
    def __init__(self, name: str, cover_url: str = ""):
        self.name, self.cover_url = name, cover_url


def measure(items: list[Item]) -> tuple[float, float]:
    template = Template("{% load covers %}{% for item in items %}{% cover item 40 %}{% endfor %}")
    started = time.perf_counter()
    html = template.render(Context({"items": items}))
    seconds = time.perf_counter() - started
    return seconds / len(items) * 1e6, len(html.encode()) / len(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--covers", type=int, default=10_000)
    count = parser.parse_args().covers
    generated = [Item(f"Artist number {n} and the Band") for n in range(count)]
    pictured = [Item(f"Album {n}", f"https://i.scdn.co/image/ab67616d00001e02{n:024x}") for n in range(count)]
    shown = TOP_LISTS * ROWS
    for label, items in (("generated cover (offline)", generated), ("picture with its fallback", pictured)):
        micros, size = measure(items)
        print(f"{label:<27} {micros:6.1f} µs and {size:5.0f} B of HTML a cover; "
              f"the dashboard's {shown} top rows: +{micros * shown / 1000:.1f} ms, +{size * shown / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
