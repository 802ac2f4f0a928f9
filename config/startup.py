"""The web server's refusal to serve a bad production configuration.

``manage.py`` commands run the system checks themselves; gunicorn and uvicorn only import
config.wsgi / config.asgi, which call this after Django is set up, so a production process with
a public secret, no history key or DEBUG on stops at start instead of serving.
"""

from django.conf import settings
from django.core import checks
from django.core.management.base import SystemCheckError


def refuse_a_bad_production_configuration() -> None:
    """Raise ``SystemCheckError`` listing every ERROR the system checks find, in production only."""
    if not settings.PRODUCTION:
        return
    errors = [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.level >= checks.ERROR and not message.is_silenced()
    ]
    if errors:
        raise SystemCheckError(
            "Pronto refuses to start in production:\n" + "\n".join(str(error) for error in errors)
        )
