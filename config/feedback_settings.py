"""Caller satisfaction (issue 21, docs/feedback.md): the survey SMS after a call and the
complaints a low score opens.

Star-imported by ``config/settings.py``; its beat schedule runs ``feedback.tasks.surveys_send_due``
every ``PRONTO_SURVEY_SWEEP_SECONDS`` (the entry ``surveys-send-due``). Off by default: texting
callers is the centre's decision (``PRONTO_SURVEY_ENABLED``).
"""

import environ

_env = environ.Env()

PRONTO_SURVEY_ENABLED = _env.bool("PRONTO_SURVEY_ENABLED", default=False)
# Customer codes whose callers are never surveyed (their contract says so); empty: none.
PRONTO_SURVEY_CUSTOMERS_EXCLUDED = _env.list("PRONTO_SURVEY_CUSTOMERS_EXCLUDED", default=[])
# A call is surveyed this long after it ended and its case (if any) was closed.
PRONTO_SURVEY_DELAY_MINUTES = _env.int("PRONTO_SURVEY_DELAY_MINUTES", default=30)
# Calls older than this are never surveyed (a first run does not text last year's callers).
PRONTO_SURVEY_MAX_AGE_HOURS = _env.int("PRONTO_SURVEY_MAX_AGE_HOURS", default=72)
# At most one survey per number in this many days.
PRONTO_SURVEY_MIN_DAYS = _env.int("PRONTO_SURVEY_MIN_DAYS", default=30)
# A survey takes replies for this long after it was written.
PRONTO_SURVEY_VALID_HOURS = _env.int("PRONTO_SURVEY_VALID_HOURS", default=72)
# A score at or below this opens a complaint for the supervisors.
PRONTO_SURVEY_COMPLAINT_MAX_SCORE = _env.int("PRONTO_SURVEY_COMPLAINT_MAX_SCORE", default=2)
# The service the SMS names when the call has no plant (and so no customer).
PRONTO_SURVEY_SERVICE_NAME = _env.str("PRONTO_SURVEY_SERVICE_NAME", default="Pronto")
PRONTO_SURVEY_SWEEP_SECONDS = _env.float("PRONTO_SURVEY_SWEEP_SECONDS", default=300.0)

FEEDBACK_BEAT_SCHEDULE = {
    "surveys-send-due": {"task": "feedback.tasks.surveys_send_due", "schedule": PRONTO_SURVEY_SWEEP_SECONDS},
}
