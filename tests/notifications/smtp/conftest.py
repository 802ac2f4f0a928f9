"""Fixtures for the SMTP and email-to-fax backends against a real server (``tests/servers/smtp.py``).
None of them needs the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from notifications.backends.base import OutgoingMessage
from notifications.backends.fax_email import EmailFaxBackend
from notifications.backends.smtp import SmtpEmailBackend
from tests.servers.smtp import SmtpSink, TlsFiles, self_signed_certificate

FROM_ADDRESS = "pronto@example.org"


@pytest.fixture
def smtp_sink() -> Iterator[Callable[..., SmtpSink]]:
    """``smtp_sink(**options)`` -> a started ``SmtpSink``; all are stopped after the test."""
    sinks: list[SmtpSink] = []

    def make(**options) -> SmtpSink:
        sink = SmtpSink(**options)
        sinks.append(sink)
        return sink.start()

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture
def sink(smtp_sink) -> SmtpSink:
    """A plain SMTP server: takes everything except recipients containing "reject" (550) or
    "defer" (451)."""
    return smtp_sink()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> TlsFiles:
    files = self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))
    if files is None:
        pytest.skip("the openssl command is not installed: no certificate for the STARTTLS tests")
    return files


def _options(sink: SmtpSink, overrides: dict) -> dict:
    return {
        "host": sink.host,
        "port": sink.port,
        "from_address": FROM_ADDRESS,
        "timeout": 3.0,
        **overrides,
    }


@pytest.fixture
def email_backend() -> Callable[..., SmtpEmailBackend]:
    """``email_backend(sink, **options)``: an ``SmtpEmailBackend`` pointed at ``sink``."""

    def make(sink: SmtpSink, **overrides) -> SmtpEmailBackend:
        backend = SmtpEmailBackend(**_options(sink, overrides))
        backend.check_config()
        return backend

    return make


@pytest.fixture
def fax_backend() -> Callable[..., EmailFaxBackend]:
    """``fax_backend(sink, **options)``: an ``EmailFaxBackend`` pointed at ``sink``, configured
    as settings configure it (hylafax_* options included, which it ignores)."""

    def make(sink: SmtpSink, **overrides) -> EmailFaxBackend:
        options = {
            "address_template": "{number}@fax.localhost",
            "attach": "pdf",
            "hylafax_host": "127.0.0.1",
            "hylafax_port": 4559,
            **overrides,
        }
        backend = EmailFaxBackend(**_options(sink, options))
        backend.check_config()
        return backend

    return make


@pytest.fixture
def outgoing() -> Callable[..., OutgoingMessage]:
    """``outgoing(**fields)``: an email ``OutgoingMessage`` with sensible defaults."""

    def make(**fields) -> OutgoingMessage:
        values = {
            "notification_id": 42,
            "idempotency_key": "notification-42-7f3c9a",
            "channel": "email",
            "recipient": "tecnico@example.org",
            "subject": "Intervento 12: fuga di gas",
            "body": "Impianto P1.\nRichiesto intervento.",
            "attachments": (),
        }
        values.update(fields)
        values["attachments"] = tuple(values["attachments"])
        return OutgoingMessage(**values)

    return make
