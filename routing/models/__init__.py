from .classes import CallerClass, CallerClassRule
from .operators import Line, OperatorProfile, OperatorStateChange, Skill
from .routes import CallRoute, Consult, RoutingDecision
from .rules import Queue, RoutingRule, RuleSetVersion
from .setup import SetupChange

__all__ = [
    "CallRoute",
    "CallerClass",
    "CallerClassRule",
    "Consult",
    "Line",
    "OperatorProfile",
    "OperatorStateChange",
    "Queue",
    "RoutingDecision",
    "RoutingRule",
    "RuleSetVersion",
    "SetupChange",
    "Skill",
]
