"""Which class a caller is in, and who their personal manager is.

The most specific rule wins: the caller's own number, then the plant the call is about, then the
customer's contract, then the longest number prefix. Without a rule, a caller reached through a
customer's line takes the class of that customer's contract (its service class), else Silver.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from dispatch.models import Customer, Plant
from routing.choices import ClassRuleKind
from routing.models import CallerClass, CallerClassRule

DEFAULT_CLASS_CODE = "silver"


@dataclass(frozen=True)
class CallerClassMatch:
    caller_class: CallerClass
    personal_manager: AbstractBaseUser | None
    reason: str


def caller_class_find(*, number: str, plant: Plant | None, customer: Customer | None) -> CallerClassMatch:
    """The caller's class from the rules (number, plant, customer, prefix), then the defaults."""
    rules = CallerClassRule.objects.select_related("caller_class", "personal_manager")
    if number:
        rule = rules.filter(kind=ClassRuleKind.NUMBER, number=number).first()
        if rule is not None:
            return CallerClassMatch(rule.caller_class, rule.personal_manager, f"number {number}")
    if plant is not None:
        rule = rules.filter(kind=ClassRuleKind.PLANT, plant=plant).first()
        if rule is not None:
            return CallerClassMatch(rule.caller_class, rule.personal_manager, f"plant {plant.code}")
    if customer is not None:
        rule = rules.filter(kind=ClassRuleKind.CUSTOMER, customer=customer).first()
        if rule is not None:
            return CallerClassMatch(rule.caller_class, rule.personal_manager, f"customer {customer.code}")
    digits = number.lstrip("+")
    if digits:
        best: CallerClassRule | None = None
        for rule in rules.filter(kind=ClassRuleKind.PREFIX):
            prefix = rule.prefix.lstrip("+")
            if digits.startswith(prefix) and (best is None or len(prefix) > len(best.prefix.lstrip("+"))):
                best = rule
        if best is not None:
            return CallerClassMatch(best.caller_class, best.personal_manager, f"prefix {best.prefix}")
    classes = {caller_class.code: caller_class for caller_class in CallerClass.objects.all()}
    if customer is not None and customer.service_class in classes:
        return CallerClassMatch(classes[customer.service_class], None, f"contract of {customer.code}")
    fallback = classes.get(DEFAULT_CLASS_CODE) or max(classes.values(), key=lambda c: c.rank, default=None)
    if fallback is None:
        fallback, _created = CallerClass.objects.get_or_create(
            code=DEFAULT_CLASS_CODE, defaults={"name": "Silver", "rank": 4}
        )
    return CallerClassMatch(fallback, None, "default class")
