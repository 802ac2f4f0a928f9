"""A realistic routing setup, built through the services: two lines with business hours, VIPs
and critical users first, and the off-hours calls forwarded to another centre."""

from __future__ import annotations

from datetime import time

from routing.models import CallerClass, RuleSetVersion
from routing.services import catalogue, rulesets

NIGHT_CENTRE = "sip:night@centro-sud.example.net"
LIFTS_FALLBACK = "+390655500100"
WEEKDAYS = [0, 1, 2, 3, 4]


def caller_classes() -> dict[str, CallerClass]:
    """The shipped classes (a transactional test flushes what the data migration made)."""
    shipped = [
        ("vip", "VIP", 0, True, False, 20),
        ("critical", "Critical user", 1, False, True, 20),
        ("business", "Business", 2, False, False, 60),
        ("gold", "Gold", 3, False, False, 90),
        ("silver", "Silver", 4, False, False, 120),
        ("copper", "Copper", 5, False, False, 180),
    ]
    for code, name, rank, vip, critical, target in shipped:
        CallerClass.objects.get_or_create(
            code=code,
            defaults={"name": name, "rank": rank, "is_vip": vip, "is_critical": critical,
                      "answer_target_seconds": target},
        )  # fmt: skip
    return {caller_class.code: caller_class for caller_class in CallerClass.objects.all()}


def routing_setup(*, supervisor, customer, manager=None) -> dict:
    """Lines 800100 (gas, customer ``customer``) and 800200 (lifts), their queues, a VIP and a
    hospital by number, and version 1 of the rules."""
    classes = caller_classes()
    gas = catalogue.skill_save(actor=supervisor, kind="service", code="gas", name="Gas")
    lifts = catalogue.skill_save(actor=supervisor, kind="service", code="lifts", name="Lifts")
    gas_line = catalogue.line_save(
        actor=supervisor,
        number="800100",
        name="Gas emergencies",
        customer=customer,
        fallback_uri=NIGHT_CENTRE,
    )
    lifts_line = catalogue.line_save(
        actor=supervisor, number="800200", name="Lift alarms", customer=None, fallback_uri=LIFTS_FALLBACK
    )
    vip_desk = catalogue.queue_save(actor=supervisor, code="vip", name="VIP desk", offer_timeout_seconds=10)
    critical_desk = catalogue.queue_save(
        actor=supervisor, code="critical", name="Critical users", offer_timeout_seconds=10
    )
    gas_queue = catalogue.queue_save(actor=supervisor, code="gas", name="Gas emergencies", skills=[gas])
    lifts_queue = catalogue.queue_save(actor=supervisor, code="lifts", name="Lift alarms", skills=[lifts])
    catalogue.caller_class_rule_save(
        actor=supervisor, caller_class=classes["vip"], kind="number", number="+390611122233",
        personal_manager=manager, note="Mayor's office",
    )  # fmt: skip
    catalogue.caller_class_rule_save(
        actor=supervisor, caller_class=classes["critical"], kind="prefix", prefix="+39064900",
        note="Policlinico Umberto I",
    )  # fmt: skip
    hours = {"weekdays": WEEKDAYS, "holidays": "working"}
    rules = [
        {"name": "VIP callers", "caller_class": classes["vip"].pk, "queue": vip_desk.pk, "priority": 50},
        {"name": "Critical users (hospitals)", "caller_class": classes["critical"].pk,
         "queue": critical_desk.pk, "priority": 40},
        {"name": "Gas line, business hours", "line": gas_line.pk, **hours,
         "time_from": time(8), "time_to": time(18), "queue": gas_queue.pk},
        {"name": "Gas line, Saturday morning", "line": gas_line.pk, "weekdays": [5], "holidays": "working",
         "time_from": time(8), "time_to": time(13), "queue": gas_queue.pk},
        {"name": "Gas line off hours: Centro Sud", "line": gas_line.pk, "action": "forward",
         "forward_to": NIGHT_CENTRE},
        {"name": "Lifts line, business hours", "line": lifts_line.pk, **hours,
         "time_from": time(7, 30), "time_to": time(19, 30), "queue": lifts_queue.pk},
        {"name": "Lifts line off hours", "line": lifts_line.pk, "action": "forward"},
    ]  # fmt: skip
    version = rulesets.ruleset_publish(actor=supervisor, rules=rules, note="Business hours per line")
    return {
        "classes": classes, "gas": gas, "lifts": lifts, "gas_line": gas_line, "lifts_line": lifts_line,
        "vip_desk": vip_desk, "critical_desk": critical_desk, "gas_queue": gas_queue,
        "lifts_queue": lifts_queue, "rules": rules, "version": version,
    }  # fmt: skip


def versions() -> list[int]:
    return list(RuleSetVersion.objects.order_by("number").values_list("number", flat=True))
