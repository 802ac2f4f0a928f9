from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Django group names; a user's role is the group it belongs to."""

    OPERATOR = "operator", _("Operator")
    TECHNICIAN = "technician", _("Technician")
    SUPERVISOR = "supervisor", _("Supervisor")
    UTILITY = "utility", _("Utility")


# The call centre's own staff: they see every call, plant and intervention.
STAFF_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})


class ServiceClass(models.TextChoices):
    """Customer classes used in customer care: they weigh on priority."""

    BUSINESS = "business", _("Business")
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    COPPER = "copper", _("Copper")


class PlantKind(models.TextChoices):
    GAS_CABIN = "gas_cabin", _("Gas reduction cabin (REMI/GRF)")
    GAS_NETWORK = "gas_network", _("Gas network section")
    LIFT = "lift", _("Lift")
    BUILDING = "building", _("Building")
    WATER = "water", _("Water plant")
    PUMPING_STATION = "pumping_station", _("Pumping station")
    OTHER = "other", _("Other")


class CallType(models.TextChoices):
    """What a call is about. The gas categories are the ones the regulator counts."""

    GAS_LEAK = "gas_leak", _("Gas leak")
    SUPPLY_INTERRUPTION = "supply_interruption", _("Supply interruption")
    IRREGULAR_SUPPLY = "irregular_supply", _("Irregular supply")
    DAMAGE_WITHOUT_LEAK = "damage_without_leak", _("Damage without leak")
    LEAK_DOWNSTREAM = "leak_downstream", _("Leak downstream of the delivery point")
    LIFT_TRAPPED = "lift_trapped", _("Person trapped in lift")
    LIFT_FAULT = "lift_fault", _("Lift fault")
    WATER_FAULT = "water_fault", _("Water fault")
    BUILDING_FAULT = "building_fault", _("Building plant fault")
    METER_REPLACEMENT = "meter_replacement", _("Meter replacement (scheduled)")
    INFORMATION = "information", _("Information request")
    NOT_EMERGENCY = "not_emergency", _("Not an emergency")
    TEST_CALL = "test_call", _("Test call")
    OTHER = "other", _("Other")


class CallSource(models.TextChoices):
    MANUAL = "manual", _("Logged by an operator")
    TELEPHONY = "telephony", _("Phone system")


class PlantMatch(models.TextChoices):
    """How the plant of a call was found."""

    NONE = "", _("Not identified")
    KNOWN_NUMBER = "known_number", _("Known caller number")
    EARLIER_CALL = "earlier_call", _("Earlier call from the same number")
    OPERATOR = "operator", _("Set by the operator")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class InterventionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ON_SITE = "on_site", _("On site")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PersonalKind(models.TextChoices):
    """What a ``PersonalDatum`` holds: retention policies are set per kind (docs/privacy.md)."""

    CALLER_NUMBER = "caller_number", _("Caller's number")
    NOTE = "note", _("Free-text note")
    POSITION = "position", _("Position")
    PHOTO = "photo", _("Photo")
    RECORDING = "recording", _("Call recording")


class SubjectType(models.TextChoices):
    """The streams of the history: each call and each intervention has its own hash chain."""

    CALL = "call", _("Call")
    INTERVENTION = "intervention", _("Intervention")


class TelephonyEventType(models.TextChoices):
    RING = "ring", _("Ringing")
    ANSWER = "answer", _("Answered")
    HANGUP = "hangup", _("Hung up")
    # The router's events (issue 17): what happens between the ring and the answer, and after.
    QUEUED = "queued", _("Queued")
    OFFERED = "offered", _("Offered to an operator")
    ABANDONED = "abandoned", _("Abandoned while waiting")
    CALLBACK_REQUESTED = "callback_requested", _("Caller asked to be called back")
    CONSULT_STARTED = "consult_started", _("Second-line consult started")
    CONSULT_ENDED = "consult_ended", _("Second-line consult ended")
    TRANSFERRED = "transferred", _("Transferred")


# Default priority of an intervention opened for a call of this type; the customer's class
# may raise it (see services.intervention_default_priority).
CALL_TYPE_PRIORITY: dict[str, int] = {
    CallType.GAS_LEAK: Priority.CRITICAL,
    CallType.LEAK_DOWNSTREAM: Priority.CRITICAL,
    CallType.LIFT_TRAPPED: Priority.CRITICAL,
    CallType.DAMAGE_WITHOUT_LEAK: Priority.HIGH,
    CallType.SUPPLY_INTERRUPTION: Priority.HIGH,
    CallType.IRREGULAR_SUPPLY: Priority.HIGH,
    CallType.WATER_FAULT: Priority.HIGH,
    CallType.LIFT_FAULT: Priority.NORMAL,
    CallType.BUILDING_FAULT: Priority.NORMAL,
    CallType.METER_REPLACEMENT: Priority.LOW,
}


class DocumentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    FAX = "fax", _("Fax sent")
    PHOTO = "photo", _("Photo from the site")
    # Issue 20: a fax that came in (email-to-fax mailbox, HylaFAX's received queue), as PDF.
    FAX_RECEIVED = "fax_received", _("Fax received")


class CallbackStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Service(models.TextChoices):
    """The services a customer hires the call centre for; each has its service-level profile."""

    GAS = "gas", _("Gas emergency")
    WATER = "water", _("Water emergency")
    LIFT = "lift", _("Lifts")
    BUILDING = "building", _("Buildings")


# What each service counts by default (the shipped profiles; supervisors may change them).
# Gas: the categories the regulator (ARERA) counts; meter replacements not caused by an
# emergency are counted apart. Every call type no profile names is outside the statistics.
SERVICE_CALL_TYPES = {
    Service.GAS: [
        CallType.GAS_LEAK,
        CallType.SUPPLY_INTERRUPTION,
        CallType.IRREGULAR_SUPPLY,
        CallType.DAMAGE_WITHOUT_LEAK,
        CallType.LEAK_DOWNSTREAM,
    ],
    Service.WATER: [CallType.WATER_FAULT],
    Service.LIFT: [CallType.LIFT_TRAPPED, CallType.LIFT_FAULT],
    Service.BUILDING: [CallType.BUILDING_FAULT],
}
SERVICE_CALL_TYPES_APART = {Service.GAS: [CallType.METER_REPLACEMENT]}


class ReportGrouping(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    PLANT = "plant", _("Plant")
    CATEGORY = "category", _("Category")


class ReportRunKind(models.TextChoices):
    ON_DEMAND = "on_demand", _("On demand")
    MONTHLY = "monthly", _("Monthly, sent to the customer's contacts")


class ReportRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
