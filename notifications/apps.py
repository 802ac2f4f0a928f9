from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.core import checks

        from dispatch.ports import notifier_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .checks import (
            centre_contacts_check,
            delivery_timing_check,
            notification_backends_check,
            sms_inbound_addresses_check,
            sms_inbound_token_check,
        )
        from .notifier import OutboxNotifier

        notifier_register(OutboxNotifier())
        checks.register(notification_backends_check, "notifications")
        checks.register(delivery_timing_check, "notifications")
        checks.register(sms_inbound_token_check, "notifications")
        checks.register(sms_inbound_addresses_check, "notifications")
        checks.register(centre_contacts_check, "notifications")
