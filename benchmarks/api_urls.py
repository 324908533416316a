"""The site's URLs plus one bare JSON view at /bench/bare/, the baseline benchmarks/api.py measures the API
against: the same middleware, nothing else. The site itself has no such URL."""

from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), path("", include("rewrapped.urls"))]
