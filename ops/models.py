from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ProcessKind


class ProcessHeartbeat(models.Model):
    """The last sign of life of one long-lived process (the MQTT listener, the Modbus poller):
    one row per kind and instance (``host:pid`` unless the process names itself), rewritten by
    ``ops.services.process_heartbeat_record`` from the process's own loop. ``/readyz`` reads the
    newest per kind: a listener whose loop is stuck stops writing, even if its process lives on.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=ProcessKind.choices)
    instance = models.CharField(_("instance"), max_length=128)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("process heartbeat")
        verbose_name_plural = _("process heartbeats")
        constraints = [
            models.UniqueConstraint(fields=["kind", "instance"], name="ops_heartbeat_kind_instance")
        ]
        indexes = [models.Index(fields=["kind", "-seen_at"], name="ops_heartbeat_kind_seen_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.instance} {self.seen_at:%Y-%m-%d %H:%M:%S}"
