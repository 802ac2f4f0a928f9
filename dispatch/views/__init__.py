"""Server-rendered pages. Each view names the roles it serves; services refuse the rest anyway.
One module per subject; ``dispatch.urls`` and the other apps' pages import them from here."""

from .alerts import alerts, alerts_acknowledge, alerts_sound
from .board import board, board_rows, call_status, desk, home
from .callbacks import callback_list, callbacks_due
from .calls import (
    call_callback_schedule,
    call_detail,
    call_intervention_open,
    call_list,
    call_plant_check,
    call_plant_search,
    call_plant_set,
    call_test_flag,
)
from .common import ALL_ROLES, STAFF, form_error_text, role_required
from .interventions import (
    intervention_action,
    intervention_detail,
    intervention_list,
    intervention_notifications,
    plant_document_download,
)
from .scripts import call_script, call_script_apply, script_edit, script_list

__all__ = [
    "ALL_ROLES",
    "STAFF",
    "alerts",
    "alerts_acknowledge",
    "alerts_sound",
    "board",
    "board_rows",
    "call_callback_schedule",
    "call_detail",
    "call_intervention_open",
    "call_list",
    "call_plant_check",
    "call_plant_search",
    "call_plant_set",
    "call_test_flag",
    "call_script",
    "call_script_apply",
    "call_status",
    "callback_list",
    "callbacks_due",
    "desk",
    "form_error_text",
    "home",
    "intervention_action",
    "intervention_detail",
    "intervention_list",
    "intervention_notifications",
    "plant_document_download",
    "role_required",
    "script_edit",
    "script_list",
]
