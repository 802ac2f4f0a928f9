"""``manage.py seed_inbound_demo`` (after ``seed_network_demo``): three faxes as the demo's fax
server would have received them, so the fax inbox has something to file. They go through
``inbound.services.inbound_poll`` like any fax: one names plant GRF-MI-002 in its subject and is
filed on it; one from an unknown sender names nothing and waits in the inbox; one is a fax
machine's TIFF with the plant code ASC-BO-101 on its page, filed on that plant when Tesseract is
installed (OCR) and otherwise waiting in the inbox. Run again, it keeps nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dispatch.models import Plant
from inbound import services
from inbound.backends.base import Fetched, InboundSource
from notifications.fax import fax_pdf_render, fax_tiff_render

PLANTS = ("GRF-MI-002", "ASC-BO-101")


def _fax_email(*, message_id: str, sender: str, subject: str, content: bytes, tiff: bool) -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender.lstrip('+')}@fax-provider.example"
    message["To"] = "faxes@pronto.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}@fax-provider.example>"
    message.set_content(f"You received a fax from {sender}.")
    maintype, subtype, filename = ("image", "tiff", "fax.tif") if tiff else ("application", "pdf", "fax.pdf")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


class DemoFaxSource(InboundSource):
    """The three demo faxes, as an email-to-fax provider's mailbox would hold them."""

    description = "demo faxes"

    def __init__(self) -> None:
        super().__init__(name="demo-faxes", kind="fax")

    def fetch(self, *, limit: int) -> Iterator[Fetched]:
        faxes = [
            (
                "demo-fax-1",
                "+390255501234",
                "Fax from +39 02 5550 1234: verbale GRF-MI-002",
                fax_pdf_render(
                    title="Verbale di sopralluogo", lines=["Regolatore ispezionato, nessuna perdita."]
                ),
                False,
            ),
            (
                "demo-fax-2",
                "+390298765432",
                "Fax from +39 02 9876 5432",
                fax_pdf_render(title="Richiesta di richiamata", lines=["Richiamare l'amministratore."]),
                False,
            ),
            (
                "demo-fax-3",
                "+390515550101",
                "Fax from +39 051 555 0101",
                fax_tiff_render(
                    title="Verbale di manutenzione", lines=["Impianto ASC-BO-101", "Porta riparata."]
                ),
                True,
            ),
        ]
        for message_id, sender, subject, content, tiff in faxes[:limit]:
            raw = _fax_email(
                message_id=message_id, sender=sender, subject=subject, content=content, tiff=tiff
            )
            yield Fetched(key=message_id, raw=raw, message_id=f"<{message_id}@fax-provider.example>")


class Command(BaseCommand):
    help = "Three received faxes for the demo's fax inbox (after seed_network_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [code for code in PLANTS if not Plant.objects.filter(code=code).exists()]
        if missing:
            raise CommandError(f"No plant {', '.join(missing)}: run seed_network_demo first.")
        summary = services.inbound_poll(sources=[DemoFaxSource()])
        figures = " ".join(f"{key}={value}" for key, value in summary.get("demo-faxes", {}).items())
        self.stdout.write(f"demo faxes: {figures}")
