"""Production mode refuses to start with a public, missing or unsafe setting.

Each bad setting must be a system check at ERROR level (so ``check --deploy``, ``migrate`` and
``runserver`` stop) that names the setting. The settings are changed in-process with
``override_settings``: the checks read ``django.conf.settings`` when they run.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
KANNEL = "notifications.backends.kannel.KannelSmsBackend"
OUTBOX = "notifications.backends.outbox.OutboxBackend"


def _backends(sms: str) -> dict:
    kannel_options = {"url": "http://127.0.0.1:13013/cgi-bin/sendsms", "username": "pronto",
                      "password": "kannel-password", "sender": "Pronto", "timeout": 10.0}  # fmt: skip
    return {
        "sms": {"BACKEND": sms, "OPTIONS": kannel_options if sms == KANNEL else {}},
        "email": {"BACKEND": OUTBOX, "OPTIONS": {}},
        "fax": {"BACKEND": OUTBOX, "OPTIONS": {}},
    }


def good_production(**changes) -> dict:
    """A production configuration that passes, with ``changes`` applied."""
    values = {
        "PRODUCTION": True,
        "DEBUG": False,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "PRONTO_HISTORY_KEY": secrets.token_urlsafe(48),
        "PRONTO_CALLER_TOKEN_KEY": secrets.token_urlsafe(48),
        "PRONTO_TELEPHONY_SECRET": secrets.token_urlsafe(40),
        "PRONTO_SMS_INBOUND_TOKEN": secrets.token_urlsafe(24),
        "PRONTO_NOTIFICATION_BACKENDS": _backends(KANNEL),
        "ALLOWED_HOSTS": ["pronto.example.org"],
    }
    values.update(changes)
    return values


def errors_with(**changes) -> list[checks.CheckMessage]:
    with override_settings(**good_production(**changes)):
        messages = registry.run_checks(include_deployment_checks=True)
    return [m for m in messages if m.level >= checks.ERROR and not m.is_silenced()]


def assert_refused(errors: list[checks.CheckMessage], setting: str) -> None:
    """At least one ERROR names ``setting`` (in its message or as its object)."""
    naming = [e for e in errors if setting in f"{e.msg} {e.obj}"]
    assert naming, f"no error names {setting}: {[(e.id, e.msg) for e in errors]}"


def test_a_good_production_configuration_passes():
    assert errors_with() == []
    with override_settings(**good_production()):
        call_command("check", deploy=True)  # raises SystemCheckError on any error


def _check_command_refuses(setting: str, **changes) -> None:
    with override_settings(**good_production(**changes)), pytest.raises(SystemCheckError) as refused:
        call_command("check", deploy=True)
    assert setting in str(refused.value)


def test_the_public_demo_secret_key_is_refused(settings):
    demo = settings.PRONTO_DEMO_VALUES["SECRET_KEY"]
    assert len(demo) >= 50  # long enough: only its being public makes it wrong
    errors = errors_with(SECRET_KEY=demo)
    assert_refused(errors, "SECRET_KEY")
    _check_command_refuses("SECRET_KEY", SECRET_KEY=demo)


def test_a_short_secret_key_is_refused():
    assert_refused(errors_with(SECRET_KEY="short"), "SECRET_KEY")
    _check_command_refuses("SECRET_KEY", SECRET_KEY="short")


def test_the_demo_telephony_secret_is_refused(settings):
    demo = settings.PRONTO_DEMO_VALUES["PRONTO_TELEPHONY_SECRET"]
    assert_refused(errors_with(PRONTO_TELEPHONY_SECRET=demo), "PRONTO_TELEPHONY_SECRET")
    _check_command_refuses("PRONTO_TELEPHONY_SECRET", PRONTO_TELEPHONY_SECRET=demo)


def test_a_short_telephony_secret_is_refused():
    assert_refused(errors_with(PRONTO_TELEPHONY_SECRET="x" * 31), "PRONTO_TELEPHONY_SECRET")


def test_the_demo_sms_inbound_token_is_refused(settings):
    demo = settings.PRONTO_DEMO_VALUES["PRONTO_SMS_INBOUND_TOKEN"]
    assert_refused(errors_with(PRONTO_SMS_INBOUND_TOKEN=demo), "PRONTO_SMS_INBOUND_TOKEN")
    _check_command_refuses("PRONTO_SMS_INBOUND_TOKEN", PRONTO_SMS_INBOUND_TOKEN=demo)


def test_an_empty_sms_inbound_token_is_refused_while_kannel_sends():
    assert_refused(errors_with(PRONTO_SMS_INBOUND_TOKEN=""), "PRONTO_SMS_INBOUND_TOKEN")
    _check_command_refuses("PRONTO_SMS_INBOUND_TOKEN", PRONTO_SMS_INBOUND_TOKEN="")
    # Without Kannel nothing posts replies: no token is needed.
    assert errors_with(PRONTO_SMS_INBOUND_TOKEN="", PRONTO_NOTIFICATION_BACKENDS=_backends(OUTBOX)) == []


def test_an_unset_history_key_is_refused():
    assert_refused(errors_with(PRONTO_HISTORY_KEY=""), "PRONTO_HISTORY_KEY")
    _check_command_refuses("PRONTO_HISTORY_KEY", PRONTO_HISTORY_KEY="")


def test_a_caller_token_key_unset_or_shared_with_the_history_is_refused():
    assert_refused(errors_with(PRONTO_CALLER_TOKEN_KEY=""), "PRONTO_CALLER_TOKEN_KEY")
    shared = secrets.token_urlsafe(48)
    assert_refused(
        errors_with(PRONTO_CALLER_TOKEN_KEY=shared, PRONTO_HISTORY_KEY=shared), "PRONTO_CALLER_TOKEN_KEY"
    )


def test_debug_is_refused():
    assert_refused(errors_with(DEBUG=True), "DEBUG")
    _check_command_refuses("DEBUG", DEBUG=True)


def test_the_embedded_mode_keeps_its_demo_values():
    """The same values pass outside production: the demo must keep starting."""
    with override_settings(PRODUCTION=False, DEBUG=True):
        messages = registry.run_checks(include_deployment_checks=False)
    assert [m.id for m in messages if m.level >= checks.ERROR] == []


def _production_env(tmp_path, **changes) -> dict:
    env = {
        **os.environ,
        "PRONTO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "PRONTO_HISTORY_KEY": secrets.token_urlsafe(48),
        "PRONTO_CALLER_TOKEN_KEY": secrets.token_urlsafe(48),
        "PRONTO_TELEPHONY_SECRET": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "pronto.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DEBUG", None)
    env.update(changes)
    return env


def test_migrate_and_the_web_server_refuse_to_start_without_a_history_key(tmp_path):
    env = _production_env(tmp_path)
    del env["PRONTO_HISTORY_KEY"]
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode != 0 and "PRONTO_HISTORY_KEY" in migrate.stderr, migrate.stderr
    # gunicorn imports config.wsgi: that import must fail as well, not serve.
    wsgi = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert wsgi.returncode != 0 and "PRONTO_HISTORY_KEY" in wsgi.stderr, wsgi.stderr
    good = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
