"""Telecontrol services with a fake Modbus backend: checks, state, alarms, comms loss."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.choices import InterventionStatus, PlantKind
from dispatch.models import Event, Intervention
from telecontrol import services
from telecontrol.backends.base import Reading
from telecontrol.choices import AlarmKind, CheckOutcome, Protocol
from telecontrol.models import PlantAlarm, PlantCheck, PlantState, PlantTelecontrol
from tests.dispatch.helpers import call_logged, intervention_in
from tests.factories import PlantFactory


def ok(**flags):
    return Reading(
        CheckOutcome.OK,
        active=flags.get("active", True),
        anomaly=flags.get("anomaly", False),
        out_of_service=flags.get("out_of_service", False),
        alarm_code=flags.get("alarm_code", ""),
        measurements={"flow": {"value": 12, "unit": "m³/h"}},
        observed_at=flags.get("at"),
    )


def apply(plant, reading, *, seen=(), now=None, limit=3):
    return services.plant_states_apply(
        [
            services.StateChange(
                plant_id=plant.pk,
                source=Protocol.MODBUS,
                reading=reading,
                seen=set(seen),
                failed_polls_limit=limit,
            )
        ],
        now=now or timezone.now(),
    )


def kinds(subject):
    return [
        e.kind for e in Event.objects.filter(subject_type=subject._meta.model_name, subject_id=subject.pk)
    ]


# -- live checks ---------------------------------------------------------------------------


def test_modbus_check_answers_without_storing_when_not_for_a_call(users, modbus_plant, fake_modbus):
    fake_modbus.reading = ok(anomaly=True, alarm_code="17")
    result = services.plant_check(actor=users["operator"], plant=modbus_plant)
    assert (result.outcome, result.reachable, result.anomaly, result.alarm_code) == ("ok", True, True, "17")
    assert result.source == Protocol.MODBUS and result.stale is False and result.check_id is None
    assert fake_modbus.targets[0].port == 15999 and fake_modbus.targets[0].register_map["count"] == 6
    assert not PlantCheck.objects.exists()


def test_check_for_a_call_is_stored_and_written_into_its_history(users, modbus_plant, fake_modbus):
    call = call_logged(users, modbus_plant)
    fake_modbus.reading = Reading(CheckOutcome.TIMEOUT, error="no answer within 3 s")
    result = services.plant_check(actor=users["operator"], plant=modbus_plant, call=call)
    check = PlantCheck.objects.get(pk=result.check_id)
    assert (check.call, check.outcome, check.reachable, check.requested_by) == (
        call,
        "timeout",
        False,
        users["operator"],
    )
    event = Event.objects.get(subject_type="call", subject_id=call.pk, kind="telecontrol.check")
    assert event.data["outcome"] == "timeout" and event.data["error"] == "no answer within 3 s"


def test_check_for_an_intervention_goes_into_the_intervention_history(users, modbus_plant, fake_modbus):
    intervention = intervention_in(InterventionStatus.ON_SITE, users=users, plant=modbus_plant)
    result = services.plant_check(actor=users["technician"], plant=modbus_plant, intervention=intervention)
    assert result.check_id is not None
    assert "telecontrol.check" in kinds(intervention)


@pytest.mark.parametrize("role", ["utility", "norole"])
def test_roles_without_telecontrol_are_refused(users, modbus_plant, fake_modbus, role):
    with pytest.raises(PermissionDenied):
        services.plant_check(actor=users[role], plant=modbus_plant)
    assert fake_modbus.targets == []


def test_a_technician_checks_only_for_its_own_intervention(users, modbus_plant, fake_modbus):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=modbus_plant)
    with pytest.raises(PermissionDenied):
        services.plant_check(actor=users["technician2"], plant=modbus_plant, intervention=intervention)
    with pytest.raises(PermissionDenied):
        services.plant_check(
            actor=users["technician"], plant=modbus_plant, call=call_logged(users, modbus_plant)
        )


def test_a_call_about_another_plant_is_refused(users, modbus_plant, other_plant, fake_modbus):
    with pytest.raises(ValidationError) as error:
        services.plant_check(
            actor=users["operator"], plant=modbus_plant, call=call_logged(users, other_plant)
        )
    assert "call" in error.value.message_dict


def test_plant_without_telecontrol_says_so(users, plant):
    result = services.plant_check(actor=users["operator"], plant=plant)
    assert (result.outcome, result.reachable, result.source) == ("not_configured", False, "none")


def test_mqtt_check_reports_age_and_never_shows_stale_data_as_fresh(users, mqtt_plant):
    assert services.plant_check(actor=users["operator"], plant=mqtt_plant).outcome == "no_data"
    now = timezone.now()
    services.telemetry_apply(
        {mqtt_plant.pk: (_telemetry(mqtt_plant, at=now - timedelta(seconds=20)), set())}, [], now=now
    )
    fresh = services.plant_check(actor=users["operator"], plant=mqtt_plant)
    assert (fresh.outcome, fresh.stale, fresh.reachable) == ("ok", False, True)
    assert 19 <= fresh.data_age_seconds < 60
    old = now - timedelta(seconds=301)  # the gas cabin profile: stale after 300 s
    services.telemetry_apply({mqtt_plant.pk: (_telemetry(mqtt_plant, at=old), set())}, [], now=now)
    # Older than what is stored: ignored, the fresh data stays.
    assert services.plant_check(actor=users["operator"], plant=mqtt_plant).stale is False
    PlantState.objects.filter(plant=mqtt_plant).update(observed_at=old)
    stale = services.plant_check(actor=users["operator"], plant=mqtt_plant)
    assert (stale.outcome, stale.stale) == ("stale", True)
    assert "stale after 300 s" in stale.error


def _telemetry(plant, *, at, **flags):
    from telecontrol.payloads import TelemetryMessage

    return TelemetryMessage(
        plant_code=plant.code,
        observed_at=at,
        active=flags.get("active", True),
        anomaly=flags.get("anomaly", False),
        out_of_service=flags.get("out_of_service", False),
    )


# -- alarms and interventions --------------------------------------------------------------


def test_anomaly_opens_one_intervention_and_repeats_do_not_duplicate(modbus_plant):
    report = apply(modbus_plant, ok(anomaly=True, alarm_code="17"))
    alarm = report.raised[0]
    assert (alarm.kind, alarm.code) == (AlarmKind.ANOMALY, "17")
    intervention = alarm.intervention
    assert intervention.status == InterventionStatus.OPEN and intervention.opened_by is None
    assert "17" in intervention.summary and modbus_plant.code in intervention.summary
    assert kinds(intervention) == ["intervention.opened", "telecontrol.alarm_raised"]
    assert apply(modbus_plant, ok(anomaly=True)).raised == []
    assert Intervention.objects.filter(plant=modbus_plant).count() == 1
    assert PlantAlarm.objects.filter(plant=modbus_plant, cleared_at__isnull=True).count() == 1


def test_second_alarm_attaches_to_the_open_intervention(modbus_plant):
    first = apply(modbus_plant, ok(anomaly=True)).raised[0]
    second = apply(modbus_plant, ok(anomaly=True, out_of_service=True)).raised[0]
    assert second.kind == AlarmKind.OUT_OF_SERVICE and second.intervention == first.intervention
    event = Event.objects.filter(subject_id=first.intervention_id, kind="telecontrol.alarm_raised").last()
    assert event.data["attached_to_open_intervention"] is True


def test_alarm_attaches_to_an_intervention_opened_from_a_call(users, modbus_plant):
    from_call = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=modbus_plant)
    alarm = apply(modbus_plant, ok(out_of_service=True)).raised[0]
    assert alarm.intervention == from_call
    assert Intervention.objects.filter(plant=modbus_plant).count() == 1


def test_clearing_is_recorded_and_the_intervention_stays_open(modbus_plant):
    alarm = apply(modbus_plant, ok(anomaly=True)).raised[0]
    report = apply(modbus_plant, ok(anomaly=False))
    assert [a.pk for a in report.cleared] == [alarm.pk]
    intervention = Intervention.objects.get(pk=alarm.intervention_id)
    assert intervention.status == InterventionStatus.OPEN
    assert kinds(intervention)[-1] == "telecontrol.alarm_cleared"


def test_an_anomaly_seen_between_two_flushes_still_raises_and_clears(modbus_plant):
    report = apply(modbus_plant, ok(anomaly=False), seen={"anomaly"})
    assert len(report.raised) == 1 and len(report.cleared) == 1
    assert kinds(report.raised[0].intervention)[-2:] == [
        "telecontrol.alarm_raised",
        "telecontrol.alarm_cleared",
    ]


def test_a_closed_intervention_is_not_reused(users, modbus_plant):
    first = apply(modbus_plant, ok(anomaly=True)).raised[0].intervention
    apply(modbus_plant, ok(anomaly=False))
    for step in ("assign", "acknowledge", "arrive"):
        actor = users["operator"] if step == "assign" else users["technician"]
        extra = {"technician": users["technician"]} if step == "assign" else {}
        getattr(dispatch_services, f"intervention_{step}")(actor=actor, intervention=first, **extra)
    dispatch_services.intervention_complete(
        actor=users["technician"], intervention=first, closing_reason="Valve"
    )
    dispatch_services.intervention_close(actor=users["supervisor"], intervention=first)
    second = apply(modbus_plant, ok(anomaly=True)).raised[0].intervention
    assert second.pk != first.pk and second.status == InterventionStatus.OPEN


# -- communication loss --------------------------------------------------------------------


def test_failed_polls_raise_comms_loss_once_and_an_answer_clears_it(modbus_plant):
    timeout = Reading(CheckOutcome.TIMEOUT, error="no answer within 3 s")
    assert apply(modbus_plant, timeout).raised == [] and apply(modbus_plant, timeout).raised == []
    alarm = apply(modbus_plant, timeout).raised[0]
    assert alarm.kind == AlarmKind.COMMS_LOSS and alarm.code == "timeout"
    state = PlantState.objects.get(plant=modbus_plant)
    assert state.comms_lost and state.consecutive_failures == 3 and state.error == "no answer within 3 s"
    assert apply(modbus_plant, timeout).raised == []
    report = apply(modbus_plant, ok())
    assert [a.kind for a in report.cleared] == [AlarmKind.COMMS_LOSS]
    state.refresh_from_db()
    assert not state.comms_lost and state.consecutive_failures == 0


def test_silent_mqtt_plant_raises_comms_loss_per_its_kind_interval(customer):
    cabin = PlantFactory(customer=customer, code="CAB", kind=PlantKind.GAS_CABIN)
    lift = PlantFactory(customer=customer, code="LIFT", kind=PlantKind.LIFT)
    for plant in (cabin, lift):
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    start = timezone.now()
    assert services.plant_comms_sweep(protocol=Protocol.MQTT, now=start).raised == []
    # 16 minutes: past the cabin's 15-minute heartbeat, well within the lift's 3-day test call.
    report = services.plant_comms_sweep(protocol=Protocol.MQTT, now=start + timedelta(minutes=16))
    assert [(a.plant_id, a.kind) for a in report.raised] == [(cabin.pk, AlarmKind.COMMS_LOSS)]
    assert (
        services.plant_comms_sweep(protocol=Protocol.MQTT, now=start + timedelta(days=2, hours=23)).raised
        == []
    )
    report = services.plant_comms_sweep(protocol=Protocol.MQTT, now=start + timedelta(days=3, minutes=1))
    assert [a.plant_id for a in report.raised] == [lift.pk]
    # Telemetry from the lift clears its alarm.
    now = start + timedelta(days=3, minutes=2)
    cleared = services.telemetry_apply({lift.pk: (_telemetry(lift, at=now), set())}, [], now=now).cleared
    assert [a.kind for a in cleared] == [AlarmKind.COMMS_LOSS]


def test_device_alarm_messages_raise_and_clear_by_code(mqtt_plant):
    from telecontrol.payloads import AlarmMessage

    now = timezone.now()
    raised = AlarmMessage(plant_code="P1", observed_at=now, code="E42", raised=True, message="Door open")
    report = services.telemetry_apply({}, [(mqtt_plant.pk, raised), (mqtt_plant.pk, raised)], now=now)
    assert len(report.raised) == 1 and report.raised[0].key == "device:E42"
    cleared = AlarmMessage(plant_code="P1", observed_at=now, code="E42", raised=False)
    assert len(services.telemetry_apply({}, [(mqtt_plant.pk, cleared)], now=now).cleared) == 1


# -- the plant's state on calls and on closing ---------------------------------------------


def test_call_keeps_a_snapshot_of_the_plant_status_in_its_history(users, modbus_plant):
    apply(modbus_plant, ok(anomaly=True, alarm_code="17"))
    call = call_logged(users, modbus_plant)
    first = Event.objects.get(subject_type="call", subject_id=call.pk, seq=1)
    snapshot = first.data["plant_status"]
    assert snapshot["state"]["anomaly"] is True and snapshot["state"]["alarm_code"] == "17"
    assert [a["kind"] for a in snapshot["alarms"]] == ["anomaly"]
    # Later telemetry does not change what the call recorded.
    apply(modbus_plant, ok(anomaly=False))
    first.refresh_from_db()
    assert first.data["plant_status"]["state"]["anomaly"] is True


def test_setting_the_plant_later_records_the_snapshot_then(users, modbus_plant):
    call = dispatch_services.call_log(actor=users["operator"], caller_number="+390212345678")
    apply(modbus_plant, ok(out_of_service=True))
    dispatch_services.call_update(actor=users["operator"], call=call, plant=modbus_plant)
    event = Event.objects.filter(subject_type="call", subject_id=call.pk).order_by("seq").last()
    assert event.data["plant_status"]["state"]["out_of_service"] is True


def test_closing_while_the_plant_reports_a_fault_needs_an_override_reason(users, modbus_plant):
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=modbus_plant)
    apply(modbus_plant, ok(anomaly=True))
    with pytest.raises(ValidationError) as error:
        dispatch_services.intervention_close(actor=users["supervisor"], intervention=intervention)
    assert "anomaly" in error.value.message_dict["override_reason"][0]
    closed = dispatch_services.intervention_close(
        actor=users["supervisor"],
        intervention=intervention,
        override_reason="Sensor fault, plant checked on site",
    )
    assert closed.status == InterventionStatus.CLOSED
    assert closed.close_override_reason == "Sensor fault, plant checked on site"
    override = Event.objects.get(
        subject_id=closed.pk, subject_type="intervention", kind="intervention.close_override"
    )
    assert override.data["faults"] == ["anomaly"] and override.actor == users["supervisor"]


def test_closing_a_healthy_plant_needs_no_override(users, modbus_plant):
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=modbus_plant)
    apply(modbus_plant, ok())
    closed = dispatch_services.intervention_close(actor=users["supervisor"], intervention=intervention)
    assert closed.status == InterventionStatus.CLOSED and closed.close_override_reason == ""


def test_rejections_are_counted_by_reason(db):
    from telecontrol.models import TelemetryRejection

    now = timezone.now()
    services.telemetry_rejections_record({"malformed": (3, "plants/X/telemetry: bad")}, now=now)
    services.telemetry_rejections_record({"malformed": (2, "plants/Y/telemetry: bad")}, now=now)
    row = TelemetryRejection.objects.get(reason="malformed")
    assert row.count == 5 and row.last_detail.startswith("plants/Y")


def test_an_alarm_lost_to_a_failure_is_raised_at_the_next_report(modbus_plant, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    # Patched where the state's alarm reconciliation looks it up.
    monkeypatch.setattr("telecontrol.services.states.plant_alarm_raise", broken)
    with pytest.raises(RuntimeError):
        apply(modbus_plant, ok(anomaly=True))
    assert PlantState.objects.get(plant=modbus_plant).anomaly is True
    assert not PlantAlarm.objects.exists()
    monkeypatch.undo()
    assert [a.kind for a in apply(modbus_plant, ok(anomaly=True)).raised] == [AlarmKind.ANOMALY]


def test_changed_telecontrol_settings_are_used_at_the_next_check(users, modbus_plant, fake_modbus):
    services.plant_check(actor=users["operator"], plant=modbus_plant)
    telecontrol = PlantTelecontrol.objects.get(plant=modbus_plant)
    telecontrol.port = 16000
    telecontrol.save()
    services.plant_check(actor=users["operator"], plant=modbus_plant)
    assert [t.port for t in fake_modbus.targets] == [15999, 16000]


def _confirm(plant, reading, *, since, now):
    change = services.StateChange(
        plant_id=plant.pk, source=Protocol.MODBUS, reading=reading, unchanged_since=since
    )
    return services.plant_states_apply([change], now=now)


def test_a_confirmed_unchanged_reading_moves_its_timestamps_on(modbus_plant):
    first = timezone.now() - timedelta(seconds=30)
    stored = apply(modbus_plant, ok(at=first), now=first)
    assert stored.stored_ok == {modbus_plant.pk}
    later = first + timedelta(seconds=10)
    report = _confirm(modbus_plant, ok(at=later), since=first, now=later)
    state = PlantState.objects.get(plant=modbus_plant)
    assert report.updated == 1 and report.stored_ok == {modbus_plant.pk}
    assert (state.last_attempt_at, state.last_ok_at, state.observed_at) == (later, later, later)
    assert state.measurements == {"flow": {"value": 12, "unit": "m³/h"}} and not state.anomaly


def test_a_confirmation_never_hides_what_another_writer_stored(modbus_plant):
    """The poller's memory says the row holds its reading of ``first``; someone else wrote
    since, so the row is written whole, and the alarm follows the reading."""
    first = timezone.now() - timedelta(seconds=30)
    apply(modbus_plant, ok(at=first), now=first)
    apply(modbus_plant, ok(anomaly=True, alarm_code="E7", at=first + timedelta(seconds=5)))
    assert PlantAlarm.objects.filter(plant=modbus_plant, key=AlarmKind.ANOMALY, cleared_at=None).exists()
    later = first + timedelta(seconds=10)
    report = _confirm(modbus_plant, ok(at=later), since=first, now=later)
    state = PlantState.objects.get(plant=modbus_plant)
    assert not state.anomaly and state.alarm_code == "" and state.last_attempt_at == later
    assert [alarm.key for alarm in report.cleared] == [AlarmKind.ANOMALY]


def test_a_confirmation_does_not_paper_over_failed_polls(modbus_plant):
    first = timezone.now() - timedelta(seconds=30)
    apply(modbus_plant, ok(at=first), now=first)
    apply(modbus_plant, Reading(CheckOutcome.TIMEOUT, error="no answer"), now=first + timedelta(seconds=5))
    later = first + timedelta(seconds=10)
    _confirm(modbus_plant, ok(at=later), since=first, now=later)
    state = PlantState.objects.get(plant=modbus_plant)
    assert state.outcome == CheckOutcome.OK and state.consecutive_failures == 0 and state.error == ""


# -- flags a message leaves out --------------------------------------------------------------


def test_a_flag_a_message_leaves_out_keeps_its_stored_value_and_its_alarm(mqtt_plant):
    """A heartbeat with measurements only is not an all-clear: the anomaly stays up (state and
    alarm) until the plant says ``anomaly: false``."""
    from telecontrol.payloads import TelemetryMessage

    now = timezone.now()

    def send(at, **flags):
        message = TelemetryMessage(plant_code=mqtt_plant.code, observed_at=at, **flags)
        seen = {flag for flag, value in flags.items() if value}
        return services.telemetry_apply({mqtt_plant.pk: (message, seen)}, [], now=at)

    raised = send(now - timedelta(seconds=30), active=True, anomaly=True, out_of_service=False)
    assert [a.kind for a in raised.raised] == [AlarmKind.ANOMALY]
    heartbeat = send(now - timedelta(seconds=20))  # no flags at all
    assert heartbeat.cleared == []
    state = PlantState.objects.get(plant=mqtt_plant)
    assert (state.active, state.anomaly, state.out_of_service) == (True, True, False)
    assert PlantAlarm.objects.filter(
        plant=mqtt_plant, kind=AlarmKind.ANOMALY, cleared_at__isnull=True
    ).exists()
    cleared = send(now - timedelta(seconds=10), anomaly=False)
    assert [a.kind for a in cleared.cleared] == [AlarmKind.ANOMALY]
    state.refresh_from_db()
    assert (state.active, state.anomaly, state.out_of_service) == (True, False, False)
