"""What each user has set for their own screens: the board's filters and order, the alert's
sound. Settings, not records: they change in place and leave no history event."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkstationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workstation_preference"
    )
    # The ringing call's and critical intervention's alert still shows when muted; only the
    # sound stops.
    alerts_muted = models.BooleanField(_("alert sound muted"), default=False)
    # The board's filters as the filter form's cleaned data (ids and values, JSON), and its order.
    board_filters = models.JSONField(_("board filters"), default=dict, blank=True)
    board_sort = models.CharField(_("board order"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("workstation preference")
        verbose_name_plural = _("workstation preferences")

    def __str__(self) -> str:
        return f"{self.user_id}"
