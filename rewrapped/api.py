"""What every API endpoint shares: the error format, its place in the schema, and pagination."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rewrapped.broker import RETRY_AFTER_SECONDS, BrokerUnavailable


class ApplicationError(Exception):
    """A rule of the product was broken; the API answers 400 with this code and message."""

    def __init__(self, message: str, *, code: str = "invalid", fields: dict | None = None, status_code: int = 400,
                 links: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.status_code = status_code
        self.links = links or {}  # where the client can go about it, by name: {"upgrade_url": ...}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error leaves the API as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, ApplicationError):
        response = _error(exc.status_code, exc.code, exc.message, exc.fields)
        response.data["error"].update(exc.links)
        return response
    if isinstance(exc, BrokerUnavailable):
        return _error(503, "unavailable", exc.message, {}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = "Some fields are not valid." if isinstance(exc.detail, dict) else str(exc.detail[0])
        return _error(response.status_code, "invalid", message, fields, headers=response.headers)
    if isinstance(exc.detail, dict):
        # simplejwt's errors carry their message and code inside: {"detail", "code", "messages"}.
        message, code = exc.detail.get("detail", exc.default_detail), exc.detail.get("code", exc.default_code)
    else:
        message, code = exc.detail, getattr(exc.detail, "code", exc.default_code)
    return _error(response.status_code, str(code), str(message), {}, headers=response.headers)


def not_found(request, exception):
    """The 404 for a URL no route matches (served when DEBUG is off): under /api/, the API's own error body."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found.", "fields": {}}}, status=404)
    return defaults.page_not_found(request, exception)


def _error(status_code: int, code: str, message: str, fields: dict, headers=None) -> Response:
    response = Response({"error": {"code": code, "message": message, "fields": fields}}, status=status_code)
    for name, value in (headers or {}).items():
        if name in ("WWW-Authenticate", "Retry-After"):
            response[name] = value
    return response


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable and machine-readable, such as `not_found`."},
                "message": {"type": "string", "description": "A sentence for people."},
                "fields": {"type": "object", "description": "What was wrong with each field sent, by field name."},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def error_responses(result, generator, request, public):
    """drf-spectacular hook: every operation documents the error body it answers with, for any status it does not
    list itself."""
    result["components"]["schemas"]["Error"] = ERROR_SCHEMA
    error = {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("default", error)
    return result
