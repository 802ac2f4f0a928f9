"""One place where domain errors become HTTP answers (HackSoft Styleguide's approach)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from dispatch.errors import DomainError, HistoryImmutableError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, (DomainError, HistoryImmutableError)):
        exc = Conflict(str(exc))
    return exception_handler(exc, context)


def not_found(request, exception):
    """Django's ``handler404``: under ``/api/`` a path that names no route (``/api/calls/0.5/``,
    ``/api/notifications/x/status/``) answers as the API's own 404s do, in JSON; pages keep
    Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": str(exceptions.NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)
