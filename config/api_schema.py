"""drf-spectacular's settings: the API schema's title, where Swagger UI and ReDoc come from, and
the names of the enums several serializers share. Imported by ``config/settings.py``."""

SPECTACULAR_SETTINGS = {
    "TITLE": "Pronto API",
    "DESCRIPTION": "Incident dispatch for utility emergency call centres.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Served from our own static files: control rooms often have no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EscalationChannelEnum": "escalations.choices.StepChannel",
        "PlantKindEnum": "dispatch.choices.PlantKind",
        "AlarmKindEnum": "telecontrol.choices.AlarmKind",
        "CheckOutcomeEnum": "telecontrol.choices.CheckOutcome",
        "AttemptOutcomeEnum": "notifications.choices.AttemptOutcome",
        "NotificationStatusEnum": "notifications.choices.NotificationStatus",
        "CallbackStatusEnum": "dispatch.choices.CallbackStatus",
        "RequestKindEnum": "privacy.choices.RequestKind",
        "RequestStatusEnum": "privacy.choices.RequestStatus",
        "AccessKindEnum": "privacy.choices.AccessKind",
        "RuleActionEnum": "routing.choices.RuleAction",
        "OperatorStateEnum": "routing.choices.OperatorState",
        "RouteStateEnum": "routing.choices.RouteState",
        "DecisionActionEnum": "routing.choices.DecisionAction",
        # Read and written (the catalogue's writes): named once, as the reads named them before.
        "SkillKindEnum": "routing.choices.SkillKind",
        "CallerClassRuleKindEnum": "routing.choices.ClassRuleKind",
        # Issue 18: the case types' priorities (any of them, or a target's), and why a case waits.
        "PriorityEnum": "dispatch.choices.Priority",
        "ClockPauseReasonEnum": "clocks.choices.PauseReason",
        # Issue 18, shifts: a shift's source (generated or manual); telecontrol's keeps its name.
        "ShiftSourceEnum": "shifts.choices.ShiftSource",
        "SourceEnum": "telecontrol.choices.Protocol",
        "IncidentStateEnum": "incidents.choices.IncidentState",
        "IncidentUpdateKindEnum": "incidents.choices.UpdateKind",
        # Issue 18, teams and on-call: the area's pieces, a member's part, the covers, a span's source.
        "AreaKindEnum": "teams.choices.AreaKind",
        "MemberRoleEnum": "teams.choices.MemberRole",
        "CoverKindEnum": "oncall.choices.CoverKind",
        "CoverStatusEnum": "oncall.choices.CoverStatus",
        "OnCallSourceEnum": "oncall.choices.OnCallSource",
    },
}
