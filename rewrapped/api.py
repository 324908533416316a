"""What every API endpoint shares: the error format and pagination."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rewrapped.broker import RETRY_AFTER_SECONDS, BrokerUnavailable


class ApplicationError(Exception):
    """A rule of the product was broken; the API answers 400 with this code and message."""

    def __init__(self, message: str, *, code: str = "invalid", fields: dict | None = None, status_code: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.status_code = status_code


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error leaves the API as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, ApplicationError):
        return _error(exc.status_code, exc.code, exc.message, exc.fields)
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
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    return _error(response.status_code, code, str(exc.detail), {}, headers=response.headers)


def _error(status_code: int, code: str, message: str, fields: dict, headers=None) -> Response:
    response = Response({"error": {"code": code, "message": message, "fields": fields}}, status=status_code)
    for name, value in (headers or {}).items():
        if name in ("WWW-Authenticate", "Retry-After"):
            response[name] = value
    return response



