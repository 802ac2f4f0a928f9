"""Every write of telecontrol: live checks, plant state from telemetry and polls, alarms and the
interventions they open, communication loss, rejected-message counts.

Alarm handling for one plant is serialised by a lock on the plant's row, so two sources
raising at once (a poll and an MQTT alarm) never open two interventions.

By subject: ``checks`` (live checks a user asks for), ``alarms`` (raising and clearing an
alarm, and the intervention it opens or joins), ``states`` (the plants' latest state from
telemetry and polls, the alarms it implies, communication loss) and ``leases`` (how several
fleet pollers divide the plants). Callers import from here.
"""

from .alarms import ALARM_PRIORITY, plant_alarm_clear, plant_alarm_raise
from .checks import CheckResult, plant_check
from .leases import (
    LeaseRound,
    fair_share,
    plant_shard,
    poller_leases_release,
    poller_leases_renew,
    poller_shards_ensure,
)
from .states import (
    ApplyReport,
    StateChange,
    plant_comms_sweep,
    plant_signs_of_life_record,
    plant_states_apply,
    telemetry_apply,
    telemetry_rejections_record,
)

__all__ = [
    "ALARM_PRIORITY",
    "ApplyReport",
    "CheckResult",
    "LeaseRound",
    "StateChange",
    "fair_share",
    "plant_alarm_clear",
    "plant_alarm_raise",
    "plant_check",
    "plant_comms_sweep",
    "plant_shard",
    "plant_signs_of_life_record",
    "plant_states_apply",
    "poller_leases_release",
    "poller_leases_renew",
    "poller_shards_ensure",
    "telemetry_apply",
    "telemetry_rejections_record",
]
