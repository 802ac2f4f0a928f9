"""Every write to the core's records, by subject; each leaves its history event.

Services are keyword-only and atomic. They raise ``PermissionDenied`` (403), ``ValidationError``
(400, keyed by field) or ``TransitionNotAllowed`` (409); callers (API, web, admin, tasks)
translate, never re-check. Callers use ``from dispatch import services`` and the names below;
the modules hold one subject each.
"""

from dispatch.history import event_record
from dispatch.transitions import TRANSITIONS

from .call_scripts import call_script_answer, call_script_save
from .callbacks import (
    callback_cancel,
    callback_complete,
    callback_request_by_caller,
    callback_schedule,
    callbacks_remind,
)
from .calls import call_changes_apply, call_log, call_test_flag, call_update
from .field import (
    intervention_step_apply,
    technician_duty_set,
    technician_language_set,
    technician_position_record,
)
from .history_partitions import history_partitions_ensure
from .interventions import (
    intervention_acknowledge,
    intervention_arrive,
    intervention_assign,
    intervention_cancel,
    intervention_close,
    intervention_complete,
    intervention_default_priority,
    intervention_note_add,
    intervention_open,
    intervention_priority_raise,
    priority_for_customer,
)
from .personal_data import personal_erase, personal_erase_locked, technician_positions_clear
from .preferences import workstation_preference_set

__all__ = [
    "workstation_preference_set",
    "personal_erase",
    "personal_erase_locked",
    "TRANSITIONS",
    "call_changes_apply",
    "call_log",
    "call_script_answer",
    "call_script_save",
    "call_test_flag",
    "call_update",
    "callback_cancel",
    "callback_complete",
    "callback_request_by_caller",
    "callback_schedule",
    "callbacks_remind",
    "event_record",
    "history_partitions_ensure",
    "intervention_acknowledge",
    "intervention_arrive",
    "intervention_assign",
    "intervention_cancel",
    "intervention_close",
    "intervention_complete",
    "intervention_default_priority",
    "intervention_note_add",
    "intervention_priority_raise",
    "intervention_open",
    "intervention_step_apply",
    "priority_for_customer",
    "technician_duty_set",
    "technician_language_set",
    "technician_position_record",
    "technician_positions_clear",
]
