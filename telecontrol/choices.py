from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    NONE = "none", _("No telecontrol")
    MODBUS = "modbus", _("Modbus TCP")
    MQTT = "mqtt", _("MQTT")


class CheckOutcome(models.TextChoices):
    """What a live check found. Only ``ok`` means fresh data from the plant."""

    OK = "ok", _("Answered")
    STALE = "stale", _("Last data is stale")
    NO_DATA = "no_data", _("No data received yet")
    UNREACHABLE = "unreachable", _("Unreachable")
    REFUSED = "refused", _("Connection refused")
    TIMEOUT = "timeout", _("No answer within the timeout")
    DEVICE_ERROR = "device_error", _("The device answered with an error")
    BAD_REPLY = "bad_reply", _("Unreadable reply")
    NOT_CONFIGURED = "not_configured", _("No telecontrol for this plant")


# Outcomes that count as the plant not answering (toward comms loss).
FAILED_OUTCOMES = frozenset(
    {
        CheckOutcome.UNREACHABLE,
        CheckOutcome.REFUSED,
        CheckOutcome.TIMEOUT,
        CheckOutcome.DEVICE_ERROR,
        CheckOutcome.BAD_REPLY,
    }
)


class AlarmKind(models.TextChoices):
    ANOMALY = "anomaly", _("Anomaly")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    COMMS_LOSS = "comms_loss", _("Communication lost")
    DEVICE = "device", _("Alarm reported by the plant")


class RejectionReason(models.TextChoices):
    """Why a telemetry message was not turned into plant state (counted, never fatal)."""

    OVERSIZED = "oversized", _("Payload too large")
    MALFORMED = "malformed", _("Not valid JSON")
    INVALID = "invalid", _("Payload does not match the schema")
    UNKNOWN_PLANT = "unknown_plant", _("Unknown plant code")
    UNKNOWN_TOPIC = "unknown_topic", _("Unknown topic")


# Reported flags that raise an alarm of their kind while they are up.
FLAG_ALARMS = (("anomaly", AlarmKind.ANOMALY), ("out_of_service", AlarmKind.OUT_OF_SERVICE))


class BadgeState(models.TextChoices):
    """One word for what telecontrol knows of a plant now, as the screens' badges show it. The
    order of the checks (``telecontrol.selectors.plant_badges``): not hearing from the plant
    first, then old data, then the plant's own flags."""

    UNREACHABLE = "unreachable", _("Unreachable")
    STALE = "stale", _("Stale")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    ANOMALY = "anomaly", _("Anomaly")
    INACTIVE = "inactive", _("Inactive")
    ACTIVE = "active", _("Active")
    UNKNOWN = "unknown", _("No telecontrol data")
