from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Pronto (issue 22): the health endpoints a load balancer asks (``/healthz``,
    ``/readyz``), the Prometheus metrics every process exposes (``/metrics`` on the web, a port
    of its own for the listener, the poller and the Celery workers) and the heartbeats of the
    long-lived processes. On top of every app: its checks read the others' selectors. Its leaf
    modules (``metrics``, ``models``, ``services``) import no Pronto app, so any app may count
    into a metric or a long-lived loop record its heartbeat (docs/operations.md)."""

    name = "ops"
    label = "ops"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (Celery tasks registered: none yet, the skeleton's module)
