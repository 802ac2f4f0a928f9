"""Every write to the major incidents; each atomic, keyword-only, taking the incident's lock.
Callers use ``from incidents import services`` and the names below."""

from .lifecycle import (
    UNCHANGED,
    incident_close_if_done,
    incident_declare,
    incident_resolve,
    incident_update,
)
from .members import (
    alarm_attach,
    alarm_member_record,
    call_attach,
    call_auto_attach,
    intervention_attach,
    subscriber_add,
    subscriber_remove,
)
from .rules import incident_rules_sweep

__all__ = [
    "UNCHANGED",
    "alarm_attach",
    "alarm_member_record",
    "call_attach",
    "call_auto_attach",
    "incident_close_if_done",
    "incident_declare",
    "incident_resolve",
    "incident_rules_sweep",
    "incident_update",
    "intervention_attach",
    "subscriber_add",
    "subscriber_remove",
]
