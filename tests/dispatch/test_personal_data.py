"""Personal data lives apart from the history: erased without breaking the chain, changed only
with detection, grouped by token after erasure, and moved apart from a database made before."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dispatch import services
from dispatch.choices import PersonalKind
from dispatch.models import Event, HistoryImmutableError, PersonalDatum
from dispatch.personal import ERASED, caller_token
from dispatch.selectors import call_list_earlier, event_list_for_subject, history_verify
from tests.dispatch.helpers import history_tamper

ROOT = Path(__file__).resolve().parents[2]
# The last commit whose code kept personal data inline in the history (before dispatch 0019).
INLINE_ERA_COMMIT = "529bad2"


def _call(users, plant, *, number="0212345678", notes="Signora Rossi, 3rd floor", minutes_ago=30):
    received = timezone.now() - timedelta(minutes=minutes_ago)
    return services.call_log(
        actor=users["operator"], caller_number=number, plant=plant, notes=notes,
        received_at=received, answered_at=received, ended_at=received + timedelta(seconds=90),
    )  # fmt: skip


def _erase(call, kinds=(PersonalKind.CALLER_NUMBER, PersonalKind.NOTE)):
    return services.personal_erase(
        subject=call, kinds=kinds, because="request:1", actor=None, now=timezone.now()
    )


def test_the_history_holds_commitments_and_the_pages_read_values(users, plant):
    call = _call(users, plant)
    [event] = Event.objects.filter(call=call)
    stored = event.data["after"]
    assert set(stored["caller_number"]) == {"$personal"} and set(stored["notes"]) == {"$personal"}
    assert "0212345678" not in str(event.data) and "Rossi" not in str(event.data)
    [shown] = event_list_for_subject(subject=call, user=users["operator"])
    assert shown.data["after"]["caller_number"] == "+390212345678"
    assert shown.data["after"]["notes"] == "Signora Rossi, 3rd floor"
    assert call.caller_token == caller_token("+390212345678")


def test_erasure_keeps_the_chain_verifying_and_the_calls_grouped(users, plant):
    earlier = _call(users, plant, minutes_ago=120)
    call = _call(users, plant)
    other = _call(users, plant, number="0298765432", notes="Another caller")
    assert _erase(earlier) == 2
    earlier.refresh_from_db()
    assert (earlier.caller_number, earlier.notes) == ("", "")
    assert earlier.personal_erased_at is not None and earlier.caller_token == call.caller_token
    assert not history_verify().problems
    # "Earlier calls from this number" still finds the erased one, by token.
    assert list(call_list_earlier(user=users["operator"], call=call)) == [earlier]
    shown = event_list_for_subject(subject=earlier, user=users["operator"])
    assert shown[0].data["after"]["caller_number"] == ERASED
    assert shown[-1].kind == "personal.erased" and shown[-1].data["values"] == 2
    # The other caller's data is untouched.
    other.refresh_from_db()
    assert other.caller_number == "+390298765432" and other.notes == "Another caller"


def test_erasure_is_idempotent(users, plant):
    call = _call(users, plant)
    _erase(call)
    events = Event.objects.filter(call=call).count()
    assert _erase(call) == 0
    assert Event.objects.filter(call=call).count() == events


def test_a_value_changed_in_place_or_a_row_removed_is_tampering(users, plant):
    call = _call(users, plant)
    datum = PersonalDatum.objects.get(call=call, kind=PersonalKind.CALLER_NUMBER)
    history_tamper(
        "UPDATE dispatch_personaldatum SET value = %s WHERE id = %s", ['"+390200000000"', datum.pk]
    )
    [problem] = history_verify().problems
    assert "altered" in problem.reason
    history_tamper("DELETE FROM dispatch_personaldatum WHERE id = %s", [datum.pk])
    [problem] = history_verify().problems
    assert (
        problem.reason == "personal data row missing" and problem.event_id == Event.objects.get(call=call).pk
    )


def test_the_orm_refuses_to_delete_personal_data(users, plant):
    call = _call(users, plant)
    with pytest.raises(HistoryImmutableError):
        PersonalDatum.objects.filter(call=call).delete()
    with pytest.raises(HistoryImmutableError):
        PersonalDatum.objects.filter(call=call).first().delete()


@pytest.mark.postgres
def test_postgres_lets_only_erasure_through(users, plant):
    call = _call(users, plant)
    datum = PersonalDatum.objects.get(call=call, kind=PersonalKind.CALLER_NUMBER)
    for sql, params in [
        ("UPDATE dispatch_personaldatum SET value = '\"+390200000000\"' WHERE id = %s", [datum.pk]),
        ("UPDATE dispatch_personaldatum SET commitment = 'x' WHERE id = %s", [datum.pk]),
        ("DELETE FROM dispatch_personaldatum WHERE id = %s", [datum.pk]),
        ("UPDATE dispatch_call SET caller_number = '' WHERE id = %s", [call.pk]),
        ("UPDATE dispatch_call SET caller_token = 'x' WHERE id = %s", [call.pk]),
        ("UPDATE dispatch_event SET data = '{}' WHERE call_id = %s", [call.pk]),
        ("DELETE FROM dispatch_event WHERE call_id = %s", [call.pk]),
    ]:
        with pytest.raises(DatabaseError, match="pronto"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    assert _erase(call) == 2
    call.refresh_from_db()
    assert call.caller_number == ""
    # Once erased, nothing brings it back.
    with pytest.raises(DatabaseError, match="pronto"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE dispatch_call SET personal_erased_at = NULL WHERE id = %s", [call.pk])
    assert not history_verify().problems


# ----------------------------------------------------------------------------------------------
# A database made by the code of before: created, migrated, verified.


def _code_of(commit: str, into: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("git and the repository's history are needed to rebuild the earlier code")
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(cwd: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PRONTO_ENV": "embedded"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def inline_era_database(tmp_path_factory) -> Path:
    """The demo's database as the earlier code made it: calls with numbers and notes inline."""
    base = tmp_path_factory.mktemp("inline-era")
    old = _code_of(INLINE_ERA_COMMIT, base / "code")
    database = base / "pronto.sqlite3"
    for args in (("migrate", "--noinput"), ("seed_demo",), ("verify_history",)):
        done = _manage(old, database, *args)
        assert done.returncode == 0, done.stderr
    return database


def test_a_database_made_before_moves_its_personal_data_apart_and_still_verifies(
    inline_era_database, tmp_path
):
    database = tmp_path / "copy.sqlite3"
    shutil.copy(inline_era_database, database)
    with sqlite3.connect(database) as db:
        numbers_before = db.execute("SELECT id, caller_number FROM dispatch_call ORDER BY id").fetchall()
        inline = db.execute(
            "SELECT COUNT(*) FROM dispatch_event WHERE data LIKE '%caller_number\": \"+%'"
        ).fetchone()
    assert inline[0] > 0
    migrated = _manage(ROOT, database, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    verified = _manage(ROOT, database, "verify_history")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with sqlite3.connect(database) as db:
        assert (
            db.execute("SELECT id, caller_number FROM dispatch_call ORDER BY id").fetchall() == numbers_before
        )
        for (data,) in db.execute("SELECT data FROM dispatch_event"):
            assert not any(number and number in data for _, number in numbers_before)
        held = dict(db.execute("SELECT kind, COUNT(*) FROM dispatch_personaldatum GROUP BY kind").fetchall())
        assert held["caller_number"] > 0 and held["note"] > 0
        resealed = db.execute("SELECT data FROM dispatch_event WHERE kind = 'history.resealed'").fetchall()
        assert resealed and all("former_head" in data for (data,) in resealed)
        assert db.execute(
            "SELECT COUNT(*) FROM dispatch_call WHERE caller_number <> '' AND caller_token = ''"
        ).fetchone() == (0,)


def test_a_history_tampered_with_before_is_not_resealed(inline_era_database, tmp_path):
    database = tmp_path / "tampered.sqlite3"
    shutil.copy(inline_era_database, database)
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE dispatch_event SET actor_label = 'forged' WHERE id = (SELECT MIN(id) FROM dispatch_event)"
        )
    migrated = _manage(ROOT, database, "migrate", "--noinput")
    assert migrated.returncode != 0 and "does not verify" in migrated.stderr
    with sqlite3.connect(database) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM dispatch_event WHERE kind = 'history.resealed'"
        ).fetchone() == (0,)
        assert (
            db.execute(
                "SELECT name FROM django_migrations WHERE name = '0020_personal_data_apart'"
            ).fetchall()
            == []
        )


def test_no_personal_value_is_left_in_the_stored_history(users, plant):
    """Every way the services write a person's data into the history, with telltale values: none
    of them is in any stored event, all of them come back through the history's reader. A service
    that starts writing personal data under a path ``PERSONAL_PATHS`` does not name fails here."""
    from dispatch.choices import InterventionStatus as S
    from tests.dispatch.helpers import intervention_in

    call = _call(users, plant, number="0255501234", notes="TELLTALE-call-notes")
    services.call_update(actor=users["operator"], call=call, notes="TELLTALE-call-correction")
    callback = services.callback_schedule(
        actor=users["operator"], call=call, due_at=timezone.now() + timedelta(minutes=5),
        number="0255509876", note="TELLTALE-callback-note",
    )  # fmt: skip
    services.callback_complete(
        actor=users["operator"], callback=callback, outcome="TELLTALE-callback-outcome"
    )
    intervention = intervention_in(S.ACKNOWLEDGED, users=users, plant=plant, call=call)
    services.intervention_note_add(actor=users["operator"], intervention=intervention, text="TELLTALE-note")
    services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id="a1b2c3d4-0000-4000-8000-000000000001",
        action="note", client_time=timezone.now(), note="TELLTALE-step-note",
    )  # fmt: skip
    telltales = {"5550123", "5550987", "TELLTALE"}
    stored = [str(data) for data in Event.objects.values_list("data", flat=True)]
    assert not [text for text in stored if any(telltale in text for telltale in telltales)]
    shown = [
        str(event.data)
        for subject in (call, intervention)
        for event in event_list_for_subject(subject=subject, user=users["supervisor"])
    ]
    for value in ("5550123", "5550987", "call-notes", "call-correction", "callback-note",
                  "callback-outcome", "TELLTALE-note", "step-note"):  # fmt: skip
        assert any(value in text for text in shown), value


@pytest.mark.postgres
def test_on_postgresql_a_database_made_before_migrates_past_its_guards_and_verifies(tmp_path):
    """The same, on PostgreSQL, where the migration must switch the guards off for itself and
    leave them on after."""
    import uuid

    import psycopg
    from django.conf import settings as django_settings

    db = django_settings.DATABASES["default"]
    name = f"pronto_inline_era_{uuid.uuid4().hex[:8]}"
    server = (
        f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}", "PRONTO_ENV": "embedded"}
        env.pop("DJANGO_SETTINGS_MODULE", None)

        def manage(cwd, *args):
            done = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done

        old = _code_of(INLINE_ERA_COMMIT, tmp_path / "code")
        for args in (("migrate", "--noinput"), ("seed_demo",)):
            manage(old, *args)
        manage(ROOT, "migrate", "--noinput")
        assert "History intact" in manage(ROOT, "verify_history").stdout
        with psycopg.connect(f"{server}/{name}") as migrated:
            triggers = migrated.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname IN "
                "('dispatch_event_append_only', 'dispatch_call_guard', 'dispatch_personal_guard') "
                # The history's partitions (migration 0029) carry clones of its trigger.
                "AND tgparentid = 0"
            ).fetchall()
            # "O": enabled (in the origin role, as every trigger normally is).
            assert {state for _, state in triggers} == {"O"} and len(triggers) == 3
            assert migrated.execute("SELECT COUNT(*) FROM dispatch_personaldatum").fetchone()[0] > 0
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_erased_photo_is_deleted_and_the_history_still_verifies(
    users, plant, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from dispatch.choices import InterventionStatus as S
    from dispatch.models import PlantDocument
    from dispatch.selectors import plant_document_list_for_user
    from tests.dispatch.helpers import intervention_in

    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    image = BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, format="PNG")
    photo = SimpleUploadedFile("meter.png", image.getvalue(), content_type="image/png")
    services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id="a1b2c3d4-0000-4000-8000-000000000002",
        action="photo", client_time=timezone.now(), photo=photo,
    )  # fmt: skip
    document = PlantDocument.objects.get(intervention=intervention, kind="photo")
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        erased = services.personal_erase(
            subject=intervention, kinds=[PersonalKind.PHOTO], because="retention:photo", actor=None,
            now=timezone.now(),
        )  # fmt: skip
    assert erased == 1 and not storage.exists(name)
    document.refresh_from_db()
    assert document.personal_erased_at is not None and not document.file
    assert not plant_document_list_for_user(user=users["supervisor"]).filter(pk=document.pk).exists()
    assert not history_verify().problems
    step = Event.objects.get(intervention=intervention, kind="intervention.phone_step")
    assert len(step.data["photo_sha256"]) == 64  # what was taken stays in the chain
