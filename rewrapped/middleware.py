"""Middleware every page shares."""

from django.shortcuts import render
from django.urls import is_valid_path

from rewrapped.broker import RETRY_AFTER_SECONDS, BrokerUnavailable


class BrokerUnavailableMiddleware:
    """A page whose task the broker did not take in time answers 503 with Retry-After, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BrokerUnavailable):
            return None
        response = render(request, "503.html", {"message": exception.message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def append_slash_to_writes(get_response):
    """A POST, PUT, PATCH or DELETE to a URL missing its trailing slash is served by the view at the slashed
    URL. APPEND_SLASH would redirect it instead, and clients re-send a redirected POST as a GET without its
    body (under DEBUG, Django refuses it with a 500). GETs are still redirected to the one right URL."""

    def middleware(request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.path_info.endswith("/"):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(request.path_info, urlconf) and is_valid_path(request.path_info + "/", urlconf):
                request.path_info += "/"
                request.path += "/"
        return get_response(request)

    return middleware
