"""What retention must not change: the regulator's report of the month and the digest of its
signed-off figures, the history's chain; and what the database keeps refusing on PostgreSQL."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dispatch.choices import InterventionStatus as S
from dispatch.models import Call, Event, PersonalDatum
from dispatch.selectors import history_verify
from privacy.models import RetentionLogEntry
from privacy.services.retention import legal_hold_set, personal_data_retention
from reports import services as report_services
from reports.figures import figures_digest, report_data
from reports.queries import service_level_report

from .conftest import LATER, NUMBER, OTHER_NUMBER

pytestmark = pytest.mark.django_db


def _month_before_last() -> tuple[dt.date, dt.date]:
    first_of_this = timezone.localdate().replace(day=1)
    last_of_previous = first_of_this - dt.timedelta(days=1)
    date_to = last_of_previous.replace(day=1) - dt.timedelta(days=1)
    return date_to.replace(day=1), date_to


def _recomputed(signed):
    computed_at = dt.datetime.fromisoformat(signed.figures["computed_at"])
    report = service_level_report(
        customer=signed.customer, date_from=signed.date_from, date_to=signed.date_to,
        group_by=signed.group_by, now=computed_at,
    )  # fmt: skip
    return report_data(report)


def test_a_numbers_calls_erased_the_months_report_and_its_digest_are_the_same(ended_call, users, customer):
    date_from, date_to = _month_before_last()
    base = timezone.make_aware(dt.datetime.combine(date_from, dt.time(10)))
    calls = [
        ended_call(received=base + dt.timedelta(days=day), intervention=S.CLOSED if day % 2 else None)
        for day in range(4)
    ]
    kept = ended_call(number=OTHER_NUMBER, received=base + dt.timedelta(days=5))
    legal_hold_set(
        actor=users["supervisor"], reason="Claim", until=(timezone.now() + LATER * 2).date(), call=kept
    )
    signed = report_services.service_levels_sign_off(
        actor=users["supervisor"], customer=customer, date_from=date_from, date_to=date_to, group_by="month"
    )
    assert signed.figures["profiles"][0]["total"]["calls"] == 5
    assert _recomputed(signed) == signed.figures  # the check can tell: same figures, same digest

    run = personal_data_retention(now=timezone.now() + LATER)

    assert run.counts["caller_number"]["erased"] == 4
    assert all(Call.objects.get(pk=c.pk).caller_number == "" for c in calls)
    after = _recomputed(signed)
    assert after == signed.figures
    assert figures_digest(after) == signed.figures_sha256
    signed.refresh_from_db()
    assert figures_digest(signed.figures) == signed.figures_sha256
    assert history_verify().problems == []
    call_command("verify_history")  # raises on a broken chain


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_postgres_still_refuses_rewriting_events_and_personal_rows_after_retention(ended_call, users):
    call = ended_call(number=NUMBER)
    live = ended_call(number=OTHER_NUMBER, received=timezone.now() - dt.timedelta(hours=1))
    legal_hold_set(
        actor=users["supervisor"], reason="Claim", until=(timezone.now() + LATER * 2).date(), call=live
    )
    personal_data_retention(now=timezone.now() + LATER)
    erased = PersonalDatum.objects.filter(call=call).first()
    kept = PersonalDatum.objects.filter(call=live).first()
    assert erased.erased_at is not None and kept.erased_at is None
    event = Event.objects.filter(call=call, kind="personal.erased").first()
    refused = [
        ("DELETE FROM dispatch_event WHERE id = %s", [event.pk]),
        ("UPDATE dispatch_event SET data = '{}' WHERE id = %s", [event.pk]),
        ("DELETE FROM dispatch_personaldatum WHERE id = %s", [erased.pk]),
        ("DELETE FROM dispatch_personaldatum WHERE id = %s", [kept.pk]),
        # An erased value never comes back; a kept one is never rewritten, only erased.
        ("UPDATE dispatch_personaldatum SET value = '\"+390200000000\"' WHERE id = %s", [erased.pk]),
        ("UPDATE dispatch_personaldatum SET erased_at = NULL WHERE id = %s", [erased.pk]),
        ("UPDATE dispatch_personaldatum SET value = '\"forged\"' WHERE id = %s", [kept.pk]),
        ("UPDATE dispatch_personaldatum SET commitment = 'x' WHERE id = %s", [kept.pk]),
        ("UPDATE privacy_retentionlogentry SET data = '{}'", []),
        ("DELETE FROM privacy_retentionlogentry", []),
    ]
    for sql, params in refused:
        with pytest.raises(DatabaseError, match="pronto"):
            _raw(sql, params)
    assert PersonalDatum.objects.get(pk=kept.pk).value == kept.value
    assert RetentionLogEntry.objects.count() == 1
    # Erasure itself is the one change let through.
    _raw("UPDATE dispatch_personaldatum SET value = NULL, erased_at = now() WHERE id = %s", [kept.pk])
    assert history_verify().problems == []
