"""The privacy app's models, by subject: people's requests and the access log (``requests``);
retention policies and legal holds (``retention``)."""

from privacy.models.requests import AccessLogEntry, PersonalRequest, PersonalRequestStep
from privacy.models.retention import (
    LegalHold,
    RetentionLogEntry,
    RetentionLogImmutableError,
    RetentionPolicy,
    RetentionRun,
)

__all__ = [
    "AccessLogEntry",
    "LegalHold",
    "PersonalRequest",
    "PersonalRequestStep",
    "RetentionLogEntry",
    "RetentionLogImmutableError",
    "RetentionPolicy",
    "RetentionRun",
]
