"""What the models of every subject share: text limits and the history's guard."""

NOTES_MAX_LENGTH = 4000
SUMMARY_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000


class HistoryImmutableError(Exception):
    """Raised on any attempt to delete or rewrite a record the history relies on."""
