"""Which class a caller is in, and who their personal manager is.

The most specific rule wins: the caller's own number, then the plant the call is about, then the
customer's contract, then the longest number prefix. Without a rule, a caller reached through a
customer's line takes the class of that customer's contract (its service class), else Silver.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from dispatch.models import Customer, Plant
from routing.catalogue import catalogue
from routing.models import CallerClass

DEFAULT_CLASS_CODE = "silver"


@dataclass(frozen=True)
class CallerClassMatch:
    caller_class: CallerClass
    personal_manager: AbstractBaseUser | None
    reason: str


def caller_class_find(*, number: str, plant: Plant | None, customer: Customer | None) -> CallerClassMatch:
    """The caller's class from the rules (number, plant, customer, prefix), then the defaults."""
    known = catalogue()
    if number and number in known.number_rules:
        rule = known.number_rules[number]
        return CallerClassMatch(rule.caller_class, rule.personal_manager, f"number {number}")
    if plant is not None and plant.pk in known.plant_rules:
        rule = known.plant_rules[plant.pk]
        return CallerClassMatch(rule.caller_class, rule.personal_manager, f"plant {plant.code}")
    if customer is not None and customer.pk in known.customer_rules:
        rule = known.customer_rules[customer.pk]
        return CallerClassMatch(rule.caller_class, rule.personal_manager, f"customer {customer.code}")
    digits = number.lstrip("+")
    if digits:
        for prefix, rule in known.prefix_rules:
            if digits.startswith(prefix):
                return CallerClassMatch(rule.caller_class, rule.personal_manager, f"prefix {rule.prefix}")
    classes = known.classes_by_code
    if customer is not None and customer.service_class in classes:
        return CallerClassMatch(classes[customer.service_class], None, f"contract of {customer.code}")
    fallback = classes.get(DEFAULT_CLASS_CODE) or max(classes.values(), key=lambda c: c.rank, default=None)
    if fallback is None:
        fallback, _created = CallerClass.objects.get_or_create(
            code=DEFAULT_CLASS_CODE, defaults={"name": "Silver", "rank": 4}
        )
    return CallerClassMatch(fallback, None, "default class")


def caller_classes_shipped() -> dict[str, CallerClass]:
    """The classes every centre starts with (migration 0002), made again where they are missing
    (a test database flushed, a demo reset); by code."""
    shipped = importlib.import_module("routing.migrations.0002_caller_classes").CLASSES
    for code, name, rank, vip, critical, target in shipped:
        CallerClass.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "is_vip": vip,
                "is_critical": critical,
                "answer_target_seconds": target,
            },
        )
    return {caller_class.code: caller_class for caller_class in CallerClass.objects.all()}
