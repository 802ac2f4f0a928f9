"""One place where domain errors become HTTP answers (HackSoft Styleguide's approach)."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
