from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Caller satisfaction")

    def ready(self) -> None:
        from notifications.ports import inbound_sms_handler_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .replies import SurveyReplies

        inbound_sms_handler_register(SurveyReplies())
