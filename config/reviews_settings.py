"""The quality group's reviews (issue 21, docs/reviews.md). Star-imported by ``config/settings.py``."""

import environ

_env = environ.Env()

# Calls per operator in each month's sample (the quality group's ten by default).
PRONTO_REVIEW_SAMPLE_SIZE = _env.int("PRONTO_REVIEW_SAMPLE_SIZE", default=10)
# Survey scores up to this count as low: drawn before the calls picked at random.
PRONTO_REVIEW_LOW_SCORE_MAX = _env.int("PRONTO_REVIEW_LOW_SCORE_MAX", default=2)
# Sample only calls with a recording kept (a reviewer listens to each): the regulated case.
PRONTO_REVIEW_RECORDING_REQUIRED = _env.bool("PRONTO_REVIEW_RECORDING_REQUIRED", default=True)
