"""How a routing rule reads on the setup pages: its conditions and its outcome in words."""

from django import template
from django.utils.translation import gettext as _

from routing.choices import HolidayMatch, RuleAction
from routing.forms import WEEKDAYS
from routing.models import RoutingRule

register = template.Library()


@register.filter
def rule_conditions(rule: RoutingRule) -> list[str]:
    """Each condition the rule sets, in words; empty: every call."""
    found = []
    if rule.line_id is not None:
        found.append(_("line %(line)s") % {"line": rule.line})
    if rule.weekdays:
        names = dict(WEEKDAYS)
        found.append(", ".join(str(names[day]) for day in sorted(rule.weekdays)))
    if rule.time_from or rule.time_to:
        start = rule.time_from.strftime("%H:%M") if rule.time_from else "00:00"
        end = rule.time_to.strftime("%H:%M") if rule.time_to else "24:00"
        found.append(f"{start}–{end}")
    if rule.holidays != HolidayMatch.ANY_DAY:
        found.append(str(rule.get_holidays_display()))
    if rule.caller_class_id is not None:
        found.append(_("class %(name)s") % {"name": rule.caller_class})
    if rule.number_prefix:
        found.append(_("number starts %(prefix)s") % {"prefix": rule.number_prefix})
    if rule.customer_id is not None:
        found.append(_("customer %(name)s") % {"name": rule.customer})
    if rule.service_id is not None:
        found.append(_("service %(name)s") % {"name": rule.service})
    return found


@register.filter
def rule_outcome(rule: RoutingRule) -> str:
    if rule.action == RuleAction.FORWARD:
        target = rule.forward_to or (rule.line.fallback_uri if rule.line_id is not None and rule.line else "")
        return _("forward to %(target)s") % {"target": target or _("the line's fallback")}
    text = _("queue %(queue)s") % {"queue": rule.queue}
    if rule.priority:
        text += " " + _("(priority %(boost)+d)") % {"boost": rule.priority}
    return text
