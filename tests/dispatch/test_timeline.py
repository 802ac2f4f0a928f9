"""The history people read (issue 16): every event kind as a sentence, changes as before → after,
what a utility user may not read withheld in the sentence too, and the raw data for staff only."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from dispatch import selectors, services
from dispatch.choices import InterventionStatus as S
from dispatch.disclosure import UTILITY_READS, WITHHELD
from dispatch.history import event_record
from dispatch.models import Event
from dispatch.timeline import SENTENCES, event_sentence, timeline_for
from dispatch.transitions import TRANSITIONS
from privacy.choices import AccessKind

from .helpers import call_logged, intervention_in

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "dispatch", "notifications", "telecontrol", "telephony", "privacy", "reports", "routing", "clocks",
    "teams", "oncall", "shifts", "escalations", "incidents", "inbound",
)  # fmt: skip
KIND = r"[\"']([a-z_]+\.[a-z_]+)[\"']"
# ``kind="call.logged"`` (event_record, call_changes_apply, a variable set before the call) and
# ``_record(intervention_id, "notification.sent", ...)`` (the notifications' own writer).
WRITES = (re.compile(rf"\bkind\s*=\s*{KIND}"), re.compile(rf"\b_record\(\s*[\w.]+,\s*{KIND}"))
# Kinds of other logs that share the ``kind=`` spelling: who read what, the retention log.
OTHER_LOG = re.compile(rf"RetentionLogEntry\.objects\.create\(\s*kind\s*=\s*{KIND}")
# Transitions write ``intervention.<action>`` from one f-string.
TRANSITION_WRITE = 'kind=f"intervention.{transition.action}"'


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def written_kinds() -> set[str]:
    kinds: set[str] = set()
    other = {str(value) for value in AccessKind.values}
    transitions_written = False
    for _path, text in _sources():
        for pattern in WRITES:
            kinds.update(pattern.findall(text))
        other.update(OTHER_LOG.findall(text))
        transitions_written = transitions_written or TRANSITION_WRITE in text
    assert transitions_written, "the transitions' event kinds moved: update this test's scan"
    kinds.update(f"intervention.{action}" for action in TRANSITIONS)
    return kinds - other


def test_the_scan_finds_the_kinds_written_every_way():
    kinds = written_kinds()
    # One of each way of writing: a keyword, a variable, the notifications' writer over lines,
    # a transition, a migration.
    for kind in (
        "call.logged",
        "notification.sent",
        "notification.supervisor_warned",
        "intervention.close",
        "history.resealed",
    ):
        assert kind in kinds
    assert "call.page" not in kinds and "policy.set" not in kinds


def test_every_event_kind_written_has_a_sentence():
    missing = sorted(written_kinds() - set(SENTENCES))
    assert not missing, f"event kinds without a sentence in dispatch/timeline/sentences.py: {missing}"


def test_every_kind_the_disclosure_policy_names_has_a_sentence():
    assert not sorted(set(UTILITY_READS) - set(SENTENCES))


@pytest.mark.parametrize("kind", sorted(SENTENCES))
def test_every_sentence_reads_without_data_and_with_everything_withheld(kind):
    keys = ("before", "after", "note", "text", "from", "recipient", "recipient_name", "channel", "reason",
            "because", "technician_name",
            "until", "outcome", "detail", "plant", "technician", "notifications", "due_at", "message",
            "why")  # fmt: skip
    for data in ({}, dict.fromkeys(keys, WITHHELD)):
        sentence = event_sentence(_event(kind, data))
        # A sentence, not the kind's name, a placeholder left over or a dictionary's repr.
        assert sentence and sentence != kind
        assert "%(" not in sentence and "{" not in sentence


def _event(kind, data, at=datetime(2026, 1, 15, 2, 52, 10, tzinfo=UTC), subject_type="intervention"):
    return Event(kind=kind, data=data, occurred_at=at, subject_type=subject_type, actor_label="system")


def test_representative_sentences_in_english_with_local_times():
    check = {
        "plant": "REMI-MI-001", "source": "modbus", "outcome": "ok", "reachable": True, "active": True,
        "anomaly": False, "out_of_service": False, "alarm_code": "", "duration_ms": 312.4, "stale": False,
    }  # fmt: skip
    assert event_sentence(_event("telecontrol.check", check)) == (
        "Plant REMI-MI-001 checked: active, no anomaly (0.3 s)."
    )
    delivered = {
        "notification": 7, "channel": "sms", "recipient": "+393331234567", "recipient_name": "Tino Tecnico",
        "reason": "assigned",
    }  # fmt: skip
    # 02:52:10 UTC is 03:52:10 in Rome in January.
    assert event_sentence(_event("notification.delivered", delivered)) == (
        "SMS to Tino Tecnico (+393331234567) delivered at 03:52:10."
    )
    # Events written before the name was recorded keep reading with the address.
    del delivered["recipient_name"]
    assert event_sentence(_event("notification.delivered", delivered)) == (
        "SMS to +393331234567 delivered at 03:52:10."
    )
    closed = {"before": {"status": "completed"}, "after": {"status": "closed", "close_override_reason": ""}}
    assert event_sentence(_event("intervention.close", closed)) == "Closed by the supervisor."
    overridden = {**closed, "after": {"status": "closed", "close_override_reason": "Sensor known faulty"}}
    assert event_sentence(_event("intervention.close", overridden)) == (
        "Closed by the supervisor: Sensor known faulty"
    )
    unreachable = {**check, "outcome": "unreachable", "reachable": False, "duration_ms": 2000}
    assert event_sentence(_event("telecontrol.check", unreachable)) == (
        "Plant REMI-MI-001 checked: unreachable (2.0 s)."
    )
    erased = {"kinds": ["caller_number"], "values": 1, "because": "request:12"}
    assert event_sentence(_event("personal.erased", erased)) == (
        "Personal data erased (caller_number, 1 value) because of request #12."
    )
    assert event_sentence(_event("made.up", {})) == "made.up"


def test_codes_stored_by_the_outer_apps_read_as_words_in_both_languages():
    step = {"position": 3, "target": "on_call_backup", "outcome": "nobody"}
    assert event_sentence(_event("escalation.step", step)) == (
        "Escalation step 3 (the backup team's technician on call): nobody."
    )
    fired = {
        "position": 2,
        "target": "on_call",
        "outcome": "notified",
        "user_name": "Nora",
        "sent_on": "email,sms",
    }
    assert event_sentence(_event("escalation.step", fired)) == (
        "Escalation step 2 (the technician on call): Nora by email, SMS."
    )
    stopped = {"position": 2, "reason": "acknowledged"}
    assert event_sentence(_event("escalation.stopped", stopped)) == (
        "Escalation stopped before step 2: acknowledged."
    )
    assert event_sentence(_event("case.paused", {"reason": "parts"})) == "Clocks paused (waiting for parts)."
    with translation.override("it"):
        assert "reperibil" in event_sentence(_event("escalation.step", step))


@pytest.mark.django_db
def test_changes_read_before_and_after_of_the_fields_that_changed(users, plant):
    call = call_logged(users, plant)
    services.call_update(actor=users["operator"], call=call, call_type="supply_interruption")
    [updated] = [e for e in selectors.event_list_for_subject(subject=call, user=users["operator"])
                 if e.kind == "call.updated"]  # fmt: skip
    [entry] = timeline_for(users["operator"], [updated])
    assert entry.sentence == "Call updated: call type."
    assert [(c.field, c.before, c.after) for c in entry.changes] == [
        ("call type", "Gas leak", "Supply interruption")
    ]


@pytest.mark.django_db
def test_a_utility_users_sentences_say_no_more_than_its_data(users, plant):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    services.intervention_note_add(
        actor=users["operator"], intervention=intervention, text="Key under the mat"
    )
    event_record(
        subject=intervention, kind="notification.delivered", actor=None,
        data={"notification": 1, "channel": "sms", "recipient": "+39 333 1234567",
              "recipient_name": "Tino Tecnico", "reason": "assigned"},
    )  # fmt: skip
    utility = users["utility"]
    entries = timeline_for(utility, selectors.event_list_for_subject(subject=intervention, user=utility))
    sentences = {entry.event.kind: entry.sentence for entry in entries}
    assert sentences["intervention.note"] == "A note was added."
    assert re.fullmatch(
        r"SMS to \(withheld\) delivered at \d\d:\d\d:\d\d\.", sentences["notification.delivered"]
    )
    text = " ".join(sentences.values())
    assert "Key under the mat" not in text and "333" not in text and "Tino" not in text
    assert all(entry.details == "" for entry in entries)
    # Staff read the same events whole, with the raw data.
    operator = users["operator"]
    staff = timeline_for(operator, selectors.event_list_for_subject(subject=intervention, user=operator))
    assert "Note: Key under the mat" in [entry.sentence for entry in staff]
    assert all(entry.details for entry in staff)


@pytest.mark.django_db
def test_the_raw_data_is_disclosed_to_staff_only_on_the_pages(users, plant, browser, client_for):
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    page = reverse("dispatch:intervention-detail", args=[intervention.pk])
    for name in ("operator", "supervisor"):
        body = browser(name).get(page).content.decode()
        assert "Assigned to technician." in body and "<details" in body
    body = browser("utility").get(page).content.decode()
    assert "Assigned to technician." in body and "<details" not in body
    phone = browser("technician").get(reverse("dispatch:m-intervention", args=[intervention.pk]))
    body = phone.content.decode()
    assert "Technician on site at" in body and "<details" not in body
    call = call_logged(users, plant)
    call_page = reverse("dispatch:call-detail", args=[call.pk])
    body = browser("operator").get(call_page).content.decode()
    assert re.search(r"Call logged from \+39[\d ]+\.", body) and "<details" in body
    body = browser("utility").get(call_page).content.decode()
    assert "Call logged" in body and "<details" not in body
    history = client_for("utility").get(f"/api/interventions/{intervention.pk}/history/").json()
    assert [row["kind"] for row in history][:2] == ["intervention.opened", "intervention.assign"]
    assert history[1]["summary"] == "Assigned to technician."
    assert all(row["summary"] for row in history)


@pytest.mark.django_db
def test_notification_sentences_name_the_technician_they_went_to(
    reachable, plant, fake_gateway, django_capture_on_commit_callbacks
):
    technician = reachable["technician"]
    technician.first_name, technician.last_name = "Tino", "Tecnico"
    technician.save()
    intervention = intervention_in(S.OPEN, users=reachable, plant=plant)
    with django_capture_on_commit_callbacks(execute=True):
        services.intervention_assign(
            actor=reachable["operator"], intervention=intervention, technician=technician
        )
    operator = reachable["operator"]
    sentences = [
        entry.sentence
        for entry in timeline_for(
            operator, selectors.event_list_for_subject(subject=intervention, user=operator)
        )
    ]
    assert (
        "Notification queued: SMS to Tino Tecnico (+393331234567), Email to Tino Tecnico (tech@example.net), "
        "Fax to Tino Tecnico (+390298765432)."
    ) in sentences
    sent = [sentence for sentence in sentences if " sent at " in sentence]
    assert len(sent) == 3 and sent[0].startswith("SMS to Tino Tecnico (+393331234567) sent at ")


@pytest.mark.django_db
def test_no_channel_names_the_technician(users, plant):
    technician = users["technician"]
    technician.first_name, technician.last_name = "Tino", "Tecnico"
    technician.save()
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    operator = users["operator"]
    entries = timeline_for(operator, selectors.event_list_for_subject(subject=intervention, user=operator))
    sentences = {entry.event.kind: entry.sentence for entry in entries}
    assert sentences["notification.no_channel"] == "No way to notify Tino Tecnico: no active contact point."
    old = _event("notification.no_channel", {"technician": technician.pk})
    assert event_sentence(old) == f"No way to notify {technician.pk}: no active contact point."
