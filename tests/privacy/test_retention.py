"""The retention job: what has expired goes, open and held cases stay, the history and the
regulator's figures are the same after."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from dispatch.choices import InterventionStatus as S
from dispatch.choices import PersonalKind
from dispatch.models import Call, Event, Intervention, PersonalDatum, UserProfile
from dispatch.selectors import call_list_earlier, history_verify
from dispatch.services import intervention_note_add
from privacy.models import LegalHold, RetentionLogEntry, RetentionLogImmutableError, RetentionRun
from privacy.selectors.retention import personal_data_held
from privacy.services.retention import (
    legal_hold_release,
    legal_hold_set,
    personal_data_retention,
    retention_policy_set,
)

from .conftest import LATER, NUMBER, OTHER_NUMBER

pytestmark = pytest.mark.django_db


def _later():
    return timezone.now() + LATER


def _hold_until():
    return (timezone.now() + LATER + dt.timedelta(days=30)).date()


def _values(call):
    return sorted(
        (row.kind, row.value) for row in PersonalDatum.objects.filter(call=call, erased_at__isnull=True)
    )


def test_expired_calls_lose_number_and_notes_but_keep_times_token_and_history(ended_call, closed):
    call = ended_call(intervention=closed)
    token = call.caller_token
    events_before = Event.objects.filter(call=call).count()

    run = personal_data_retention(now=_later())

    call.refresh_from_db()
    assert call.caller_number == "" and call.notes == "" and call.personal_erased_at is not None
    assert call.caller_token == token and call.ended_at is not None
    assert _values(call) == []
    erased = PersonalDatum.objects.filter(call=call)
    assert {row.erased_because for row in erased} == {"retention:caller_number", "retention:note"}
    kinds = [e.data for e in Event.objects.filter(call=call, kind="personal.erased").order_by("seq")]
    assert [k["because"] for k in kinds] == ["retention:caller_number", "retention:note"]
    assert Event.objects.filter(call=call).count() == events_before + 2
    assert run.counts["caller_number"]["erased"] == 1 and run.counts["note"]["erased"] == 1
    assert run.finished_at is not None and run.batches >= 2 and run.error == ""
    assert history_verify().problems == []


def test_data_not_yet_expired_stays(ended_call):
    call = ended_call()
    personal_data_retention(now=timezone.now() + dt.timedelta(days=30))
    assert [kind for kind, _value in _values(call)] == ["caller_number", "note"]


def test_a_second_run_erases_nothing_more(ended_call):
    ended_call()
    personal_data_retention(now=_later())
    events = Event.objects.count()
    run = personal_data_retention(now=_later())
    assert run.total("erased") == 0 and Event.objects.count() == events


def test_earlier_calls_of_an_erased_caller_still_group_by_token(ended_call, users):
    first = ended_call(received=timezone.now() - dt.timedelta(days=5))
    second = ended_call(received=timezone.now() - dt.timedelta(days=2))
    stranger = ended_call(number=OTHER_NUMBER, received=timezone.now() - dt.timedelta(days=4))
    personal_data_retention(now=_later())
    second.refresh_from_db()
    assert second.caller_number == ""
    earlier = list(call_list_earlier(user=users["supervisor"], call=second))
    assert earlier == [first] and stranger not in earlier


def test_open_cases_are_skipped(ended_call, users, plant):
    from tests.dispatch.helpers import call_logged

    live = call_logged(users, plant, caller_number=NUMBER, notes="still talking")  # not ended
    with_open_intervention = ended_call(intervention=S.ON_SITE)
    done = ended_call(intervention=S.CANCELLED)
    open_intervention = Intervention.objects.get(call=with_open_intervention)
    intervention_note_add(actor=users["operator"], intervention=open_intervention, text="Key under the mat")

    run = personal_data_retention(now=_later())

    assert [kind for kind, _v in _values(live)] == ["caller_number", "note"]
    assert [kind for kind, _v in _values(with_open_intervention)] == ["caller_number", "note"]
    assert PersonalDatum.objects.get(intervention=open_intervention).value == "Key under the mat"
    assert _values(done) == []
    assert run.counts["caller_number"] == {"erased": 1, "skipped_open": 2, "skipped_held": 0}
    # The note: two open calls and the open intervention.
    assert run.counts["note"]["skipped_open"] == 3


def test_a_closed_interventions_notes_go(ended_call, users, closed):
    call = ended_call(intervention=closed)
    intervention = Intervention.objects.get(call=call)
    intervention_note_add(actor=users["supervisor"], intervention=intervention, text="Called Mr Bianchi back")
    personal_data_retention(now=_later())
    assert PersonalDatum.objects.get(intervention=intervention).erased_at is not None
    assert Event.objects.filter(intervention=intervention, kind="personal.erased").exists()


@pytest.mark.parametrize("what", ["call", "intervention", "caller_number"])
def test_a_legal_hold_stops_retention_until_released(ended_call, users, closed, what):
    held = ended_call(intervention=closed)
    same_caller = ended_call()
    other = ended_call(number=OTHER_NUMBER)
    subject = {
        "call": {"call": held},
        "intervention": {"intervention": Intervention.objects.get(call=held)},
        "caller_number": {"caller_number": "0212345678"},  # the same number, written otherwise
    }[what]
    hold = legal_hold_set(
        actor=users["supervisor"], reason="Court order 12/2026", until=_hold_until(), **subject
    )
    assert personal_data_held(held, now=_later())

    run = personal_data_retention(now=_later())

    assert [kind for kind, _v in _values(held)] == ["caller_number", "note"]
    assert _values(other) == []
    assert (_values(same_caller) != []) == (what == "caller_number")
    assert run.counts["caller_number"]["skipped_held"] == (2 if what == "caller_number" else 1)

    legal_hold_release(actor=users["supervisor"], hold=hold)
    assert not personal_data_held(held, now=_later())
    personal_data_retention(now=_later())
    assert _values(held) == [] and _values(same_caller) == []


def test_a_hold_ends_after_its_date(ended_call, users):
    held = ended_call()
    legal_hold_set(actor=users["supervisor"], reason="Inspection", until=timezone.localdate(), call=held)
    assert personal_data_held(held)
    personal_data_retention(now=_later())  # the hold's day is long past by then
    assert _values(held) == []


def test_a_hold_is_in_the_subjects_history_and_the_log_without_the_number(ended_call, users):
    call = ended_call()
    hold = legal_hold_set(actor=users["supervisor"], reason="Police request", until=_hold_until(), call=call)
    event = Event.objects.get(call=call, kind="privacy.hold_set")
    assert event.data == {"hold": hold.pk, "until": _hold_until().isoformat()}
    by_number = legal_hold_set(
        actor=users["supervisor"], reason="Complaint", until=_hold_until(), caller_number=NUMBER
    )
    assert by_number.caller_token == call.caller_token
    assert "1234" not in str(list(LegalHold.objects.values())) + str(list(RetentionLogEntry.objects.values()))
    assert list(RetentionLogEntry.objects.order_by("id").values_list("kind", flat=True)) == [
        "hold.set",
        "hold.set",
    ]
    legal_hold_release(actor=users["supervisor"], hold=hold)
    assert Event.objects.filter(call=call, kind="privacy.hold_released").count() == 1
    assert history_verify().problems == []
    entry = RetentionLogEntry.objects.first()
    for rewrite in (entry.save, entry.delete, RetentionLogEntry.objects.all().delete,
                    lambda: RetentionLogEntry.objects.update(kind="x")):  # fmt: skip
        with pytest.raises(RetentionLogImmutableError):
            rewrite()


def test_only_supervisors_set_holds_and_policies(ended_call, users):
    call = ended_call()
    for name in ("operator", "technician", "utility", "norole"):
        with pytest.raises(PermissionDenied):
            legal_hold_set(actor=users[name], reason="x", until=_hold_until(), call=call)
        with pytest.raises(PermissionDenied):
            retention_policy_set(actor=users[name], kind=PersonalKind.NOTE, days=10)
    assert not LegalHold.objects.exists()


def test_a_customers_policy_overrides_the_default(ended_call, users, customer, other_plant):
    mine = ended_call()
    theirs = ended_call(on_plant=other_plant, number=OTHER_NUMBER)
    retention_policy_set(
        actor=users["supervisor"], kind=PersonalKind.CALLER_NUMBER, days=30, customer=customer
    )
    retention_policy_set(actor=users["supervisor"], kind=PersonalKind.NOTE, days=60)

    personal_data_retention(now=timezone.now() + dt.timedelta(days=45))

    assert [kind for kind, _v in _values(mine)] == ["note"]
    assert [kind for kind, _v in _values(theirs)] == ["caller_number", "note"]
    personal_data_retention(now=timezone.now() + dt.timedelta(days=61))
    assert _values(mine) == [] and [kind for kind, _v in _values(theirs)] == ["caller_number"]
    assert RetentionLogEntry.objects.filter(kind="policy.set").count() == 2


def test_batches_are_short_and_each_commits_alone(ended_call, settings):
    calls = [ended_call(number=f"+39 02 1111 000{i}") for i in range(5)]
    settings.PRONTO_RETENTION_BATCH_SIZE = 2
    run = personal_data_retention(now=_later())
    assert run.counts["caller_number"]["erased"] == 5 and run.batches == 6  # 3 per kind
    more = [ended_call(number=f"+39 02 2222 000{i}") for i in range(3)]
    run = personal_data_retention(now=_later())
    assert run.counts["note"]["erased"] == 3 and run.batches == 4 and run.counts["note"]["skipped_open"] == 0
    assert all(_values(call) == [] for call in calls + more)


def test_old_technician_positions_are_cleared(users):
    fresh, stale = (
        UserProfile.objects.get_or_create(user=users[name])[0] for name in ("technician", "technician2")
    )
    now = timezone.now()
    for profile, age in ((fresh, dt.timedelta(hours=1)), (stale, dt.timedelta(days=8))):
        profile.latitude, profile.longitude, profile.position_at = 45.1, 9.2, now - age
        profile.save()
    run = personal_data_retention(now=now)
    assert run.counts["position"]["technicians"] == 1
    assert UserProfile.objects.filter(pk=stale.pk, latitude__isnull=True, position_at__isnull=True).exists()
    assert UserProfile.objects.filter(pk=fresh.pk, latitude__isnull=False).exists()


def test_the_task_is_scheduled_and_runs_the_job_once_for_what_expired(ended_call, settings, monkeypatch):
    from privacy import tasks

    assert any(
        entry["task"] == "privacy.tasks.personal_data_retention"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    ended_call()
    monkeypatch.setattr(timezone, "now", _frozen(timezone.now() + LATER))
    tasks.personal_data_retention.apply()
    tasks.personal_data_retention.apply()
    assert Event.objects.filter(kind="personal.erased").count() == 2  # number and note, once
    assert RetentionRun.objects.count() == 2
    assert not PersonalDatum.objects.filter(
        Q(erased_at__isnull=True), ~Q(kind=PersonalKind.POSITION)
    ).exists()


def _frozen(moment):
    return lambda: moment


def test_calls_are_never_deleted_by_the_job(ended_call):
    ended_call()
    personal_data_retention(now=_later())
    assert Call.objects.count() == 1 and PersonalDatum.objects.count() == 2


def test_the_job_deletes_photos_past_their_policy_in_closed_cases(
    users, plant, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from dispatch import services
    from dispatch.models import PlantDocument
    from tests.dispatch.helpers import intervention_in

    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    image = BytesIO()
    Image.new("RGB", (8, 8), "blue").save(image, format="PNG")
    services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id="a1b2c3d4-0000-4000-8000-000000000003",
        action="photo", client_time=timezone.now(),
        photo=SimpleUploadedFile("valve.png", image.getvalue(), content_type="image/png"),
    )  # fmt: skip
    document = PlantDocument.objects.get(intervention=intervention, kind="photo")
    storage, name = document.file.storage, document.file.name
    # Open, the case keeps its photo whatever its age.
    personal_data_retention(now=_later())
    assert storage.exists(name)
    services.intervention_complete(
        actor=users["technician"], intervention=intervention, closing_reason="Fixed"
    )
    services.intervention_close(actor=users["supervisor"], intervention=intervention)
    with django_capture_on_commit_callbacks(execute=True):
        run = personal_data_retention(now=_later())
    assert run.counts["photo"]["erased"] == 1 and not storage.exists(name)
    assert PlantDocument.objects.get(pk=document.pk).personal_erased_at is not None
    assert not history_verify().problems
