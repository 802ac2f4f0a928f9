"""Domain errors raised by services; ``dispatch.api.exception_handlers`` maps them to HTTP.

Permission refusals use ``django.core.exceptions.PermissionDenied`` (403) and bad input
``django.core.exceptions.ValidationError`` (400), so views, admin and API share one vocabulary.
"""

from .models import HistoryImmutableError


class DomainError(Exception):
    """Base of the errors that a service raises on purpose."""


class TransitionNotAllowed(DomainError):
    """The action exists and the user may make it, but not from the intervention's current state."""


__all__ = ["DomainError", "TransitionNotAllowed", "HistoryImmutableError"]
