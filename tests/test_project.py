"""Project-wide guarantees: production settings pass Django's deploy checks, the Italian
catalogue is complete and compiled, the demo seeds every role."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from dispatch.choices import Role
from dispatch.models import Customer, Plant, UserProfile
from dispatch.roles import user_roles

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "PRONTO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "pronto.example.org",
        "PRONTO_TELEPHONY_SECRET": secrets.token_urlsafe(40),
        "PRONTO_HISTORY_KEY": secrets.token_urlsafe(48),
        "PRONTO_CALLER_TOKEN_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_demo_secret(tmp_path):
    """The public demo SECRET_KEY is long enough: only the check that knows it refuses it."""
    from django.conf import settings

    demo_secret = settings.PRONTO_DEMO_VALUES["SECRET_KEY"]
    env = {
        **os.environ,
        "PRONTO_ENV": "production",
        "SECRET_KEY": demo_secret,
        "PRONTO_HISTORY_KEY": secrets.token_urlsafe(48),
        "PRONTO_TELEPHONY_SECRET": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "pronto.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    assert len(demo_secret) >= 50
    for command in (["check", "--deploy"], ["migrate", "--noinput"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0, command
        assert "dispatch.E020" in result.stderr and "SECRET_KEY" in result.stderr, result.stderr


def test_italian_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(ROOT / "locale/it/LC_MESSAGES/django.po"))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    mo = polib.mofile(str(ROOT / "locale/it/LC_MESSAGES/django.mo"))
    # Keyed by context too: "Call" the noun and "Call" the verb are two entries.
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != e.msgstr and not e.msgid_plural
    ]
    assert stale == [], "run: python manage.py compilemessages"


def test_every_translatable_string_is_in_the_catalogue(tmp_path):
    """makemessages finds nothing that the committed catalogue lacks."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "media"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "it", "--no-obsolete", "--ignore=tests",
         "--ignore=benchmarks"],
        cwd=copy, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/it/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(ROOT / "locale/it/LC_MESSAGES/django.po"))}
    assert sorted(fresh - committed) == []


@pytest.mark.django_db
def test_seed_demo_creates_every_role_and_is_repeatable():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    expected = {
        "operator": Role.OPERATOR,
        "technician": Role.TECHNICIAN,
        "technician2": Role.TECHNICIAN,
        "supervisor": Role.SUPERVISOR,
        "utility": Role.UTILITY,
        "utility_b": Role.UTILITY,
    }
    for username, role in expected.items():
        # With a request, as every sign-in has one (django-axes refuses a call without it).
        user = authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password=f"demo-{username}"
        )
        assert user is not None, username
        assert user_roles(user) == {role}
        assert f"demo-{username}" in out.getvalue()
    assert Customer.objects.count() == 2
    assert all(Plant.objects.filter(customer=c).count() >= 2 for c in Customer.objects.all())
    utility_customers = {
        p.user.username: p.customer.code for p in UserProfile.objects.filter(customer__isnull=False)
    }
    assert utility_customers["utility"] != utility_customers["utility_b"]
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "History intact" in out.getvalue()
