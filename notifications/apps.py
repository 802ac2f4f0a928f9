from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.core import checks

        from .checks import delivery_timing_check, notification_backends_check

        checks.register(notification_backends_check, "notifications")
        checks.register(delivery_timing_check, "notifications")
