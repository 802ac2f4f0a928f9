"""The privacy app's models, one module per subject (retention here; people's requests beside)."""

from privacy.models.retention import (
    LegalHold,
    RetentionLogEntry,
    RetentionLogImmutableError,
    RetentionPolicy,
    RetentionRun,
)

__all__ = [
    "LegalHold",
    "RetentionLogEntry",
    "RetentionLogImmutableError",
    "RetentionPolicy",
    "RetentionRun",
]
