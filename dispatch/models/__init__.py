"""Customers, plants, calls, interventions and their append-only history.

Writes go through ``dispatch.services``; the guards here (refused deletes and rewrites) are the
last line behind the services, the admin and the API, and PostgreSQL triggers stand behind them
(migration 0002). One module per subject; everyone imports them from ``dispatch.models``.
"""

from .calls import Call, CallQuerySet, CallScript, CallScriptAnswer, TelephonyReceipt
from .common import NOTES_MAX_LENGTH, REASON_MAX_LENGTH, SUMMARY_MAX_LENGTH, HistoryImmutableError
from .customers import Contact, Customer, KnownNumber, Plant, PlantDocument, UserProfile
from .history import Event, EventQuerySet
from .interventions import (
    Callback,
    Intervention,
    InterventionAssignment,
    InterventionQuerySet,
    InterventionStep,
)
from .personal import PersonalDatum
from .preferences import WorkstationPreference
from .service_levels import (
    PERCENT,
    CallInterventionSummary,
    ServiceLevelProfile,
    ServiceLevelProfileChange,
    ServiceLevelReportRun,
    ServiceLevelSignOff,
)

__all__ = [
    "NOTES_MAX_LENGTH",
    "PERCENT",
    "REASON_MAX_LENGTH",
    "SUMMARY_MAX_LENGTH",
    "Call",
    "CallInterventionSummary",
    "CallQuerySet",
    "CallScript",
    "CallScriptAnswer",
    "Callback",
    "Contact",
    "Customer",
    "Event",
    "EventQuerySet",
    "HistoryImmutableError",
    "Intervention",
    "InterventionAssignment",
    "InterventionQuerySet",
    "InterventionStep",
    "KnownNumber",
    "PersonalDatum",
    "Plant",
    "PlantDocument",
    "ServiceLevelProfile",
    "ServiceLevelProfileChange",
    "ServiceLevelReportRun",
    "ServiceLevelSignOff",
    "TelephonyReceipt",
    "UserProfile",
    "WorkstationPreference",
]
