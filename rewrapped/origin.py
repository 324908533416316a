"""Which pages may open a WebSocket to us: our own, by the rule Django's CSRF check holds forms to."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a web origin such as https://example.com, or None if it is not one."""
    parts = urlsplit(url.lower())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


class SameOriginValidator:
    """Opens a WebSocket only when its Origin matches, in scheme, host and port, the address the socket was opened
    on (whose host must be in ALLOWED_HOSTS), or is one of CSRF_TRUSTED_ORIGINS (exact origins). Channels'
    AllowedHostsOriginValidator compares the host alone, so a page on any port or scheme of an allowed host got
    in. Behind a proxy that ends TLS, SECURE_PROXY_SSL_HEADER says the socket is secure, as it does for pages."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if self.allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    @staticmethod
    def allowed(scope) -> bool:
        headers = dict(scope["headers"])
        origin = _origin(headers.get(b"origin", b"").decode("latin1"))
        if origin is None:
            return False
        if origin in {_origin(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS}:
            return True
        host = headers.get(b"host", b"").decode("latin1")
        domain, _ = split_domain_port(host)
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return False
        return origin == _origin(f"{'https' if _secure(scope, headers) else 'http'}://{host}")


def _secure(scope, headers: dict) -> bool:
    if scope.get("scheme") == "wss":
        return True
    if not settings.SECURE_PROXY_SSL_HEADER:
        return False
    name, secure_value = settings.SECURE_PROXY_SSL_HEADER
    value = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower().encode(), b"").decode("latin1")
    return value.split(",", 1)[0].strip() == secure_value
