"""The site's settings with benchmarks/api_urls.py as the URLconf: only benchmarks/api.py serves with them."""

from rewrapped.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.api_urls"
