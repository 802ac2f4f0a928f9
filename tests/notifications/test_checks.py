"""The start-up check of the notification backends: each channel's backend loads and accepts its
settings, or ``manage.py check`` says which setting to fix. No gateway is contacted."""

import time

import pytest
from django.core.checks import Error, run_checks
from django.test import override_settings

from notifications.checks import notification_backends_check

OUTBOX = {"BACKEND": "notifications.backends.outbox.OutboxBackend", "OPTIONS": {}}
KANNEL = "notifications.backends.kannel.KannelSmsBackend"
SMTP = "notifications.backends.smtp.SmtpEmailBackend"
HYLAFAX = "notifications.backends.hylafax.HylafaxFaxBackend"


def backends(**channels):
    return {"sms": OUTBOX, "email": OUTBOX, "fax": OUTBOX, **channels}


def ids(errors):
    return [(error.id, error.obj) for error in errors]


def test_the_default_settings_pass():
    assert notification_backends_check() == []


def test_the_check_is_registered_and_runs_with_manage_py_check():
    broken = backends(fax={"BACKEND": "notifications.backends.no_such_module.FaxBackend"})
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=broken):
        found = run_checks(tags=["notifications"])
    assert ids(found) == [("notifications.E001", "PRONTO_NOTIFICATION_BACKENDS['fax']['BACKEND']")]
    assert all(isinstance(error, Error) for error in found)


@pytest.mark.parametrize(
    "fax, words",
    [
        ({"BACKEND": "notifications.backends.no_such_module.FaxBackend"}, "cannot be imported"),
        ({"BACKEND": "notifications.backends.hylafax.HylafaxBackend"}, "cannot be imported"),
        ({"BACKEND": "HylafaxFaxBackend"}, "cannot be imported"),
        ({"BACKEND": "datetime.timedelta", "OPTIONS": {}}, "is not a NotificationBackend"),
        ({"BACKEND": ""}, "No notification backend is configured for the fax channel"),
        ({"OPTIONS": {}}, "No notification backend is configured for the fax channel"),
    ],
)
def test_a_backend_that_cannot_be_loaded_is_e001_naming_the_setting(fax, words):
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=backends(fax=fax)):
        [error] = notification_backends_check()
    assert error.id == "notifications.E001" and words in error.msg
    assert "PRONTO_FAX_BACKEND" in error.hint


def test_a_channel_missing_from_the_settings_is_e001():
    configured = backends()
    del configured["sms"]
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=configured):
        [error] = notification_backends_check()
    assert error.id == "notifications.E001" and "PRONTO_SMS_BACKEND" in error.hint


@pytest.mark.parametrize(
    "channel, spec, words, variables",
    [
        (
            "sms",
            {"BACKEND": KANNEL, "OPTIONS": {"url": "http://127.0.0.1:13013/cgi-bin/sendsms"}},
            "username, password missing",
            "PRONTO_KANNEL_*",
        ),
        (
            "sms",
            {"BACKEND": KANNEL, "OPTIONS": {"username": "u", "password": "p", "timeout": "soon"}},
            "refuses its options",
            "PRONTO_KANNEL_*",
        ),
        (
            "email",
            {"BACKEND": SMTP, "OPTIONS": {"host": "", "from_address": "x@y.z"}},
            "host",
            "PRONTO_SMTP_*",
        ),
        (
            "fax",
            {"BACKEND": HYLAFAX, "OPTIONS": {"hylafax_port": 0, "hylafax_user": "two words"}},
            "hylafax_port 0 is not a TCP port; hylafax_user 'two words' must be one word",
            "PRONTO_HYLAFAX_*",
        ),
        (
            "fax",
            {"BACKEND": "notifications.backends.fax_email.EmailFaxBackend", "OPTIONS": {"host": "mx"}},
            "from_address",
            "PRONTO_FAX_*",
        ),
    ],
)
def test_settings_a_backend_refuses_are_e002_naming_them(channel, spec, words, variables):
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=backends(**{channel: spec})):
        [error] = notification_backends_check()
    assert error.id == "notifications.E002" and words in error.msg
    assert error.obj == f"PRONTO_NOTIFICATION_BACKENDS[{channel!r}]['OPTIONS']"
    assert variables in error.hint


def test_another_channels_backend_is_e003():
    kannel = {"BACKEND": KANNEL, "OPTIONS": {"url": "http://kannel/", "username": "u", "password": "p"}}
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=backends(fax=kannel)):
        [error] = notification_backends_check()
    assert error.id == "notifications.E003" and "sends sms, not fax" in error.msg


def test_every_channel_is_reported_at_once():
    broken = {
        "sms": {"BACKEND": KANNEL, "OPTIONS": {}},
        "email": {"BACKEND": "no.such.Backend"},
        "fax": {"BACKEND": HYLAFAX, "OPTIONS": {"timeout": -1}},
    }
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=broken):
        errors = notification_backends_check()
    assert [error.id for error in errors] == [
        "notifications.E002",
        "notifications.E001",
        "notifications.E002",
    ]


def test_real_gateways_configured_right_pass_without_being_contacted(fault_server):
    # Every gateway "address" accepts connections and never answers: a check that connected
    # would be counted, and would hang until the timeout.
    kannel, smtp, hfaxd = (fault_server("silent") for _ in range(3))
    configured = {
        "sms": {
            "BACKEND": KANNEL,
            "OPTIONS": {
                "url": f"http://{kannel.host}:{kannel.port}/cgi-bin/sendsms",
                "username": "pronto",
                "password": "secret",
                "sender": "Pronto",
                "timeout": 5,
            },
        },
        "email": {
            "BACKEND": SMTP,
            "OPTIONS": {
                "host": smtp.host,
                "port": smtp.port,
                "from_address": "pronto@example.net",
                "timeout": 5,
            },
        },
        "fax": {
            "BACKEND": HYLAFAX,
            "OPTIONS": {"hylafax_host": hfaxd.host, "hylafax_port": hfaxd.port, "timeout": 5},
        },
    }

    started = time.monotonic()
    with override_settings(PRONTO_NOTIFICATION_BACKENDS=configured):
        assert notification_backends_check() == []
    assert time.monotonic() - started < 1.0

    time.sleep(0.05)
    assert (kannel.connections, smtp.connections, hfaxd.connections) == (0, 0, 0)


def test_a_task_time_limit_reaching_the_stuck_time_is_w001(settings):
    from notifications.checks import delivery_timing_check

    assert delivery_timing_check() == []
    settings.PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS = 100
    settings.PRONTO_NOTIFICATION_STUCK_SECONDS = 120

    [warning] = delivery_timing_check()

    assert warning.id == "notifications.W001" and "130 s" in warning.msg
