# ruff: noqa: F811  (the inbound fixtures are imported by name, to be used here)
"""The fax inbox in a real browser: a fax that matched no plant came in over real IMAP (a
private Dovecot, delivered over SMTP), the operator files it on the open intervention with two
clicks (pick, file), and it appears in the intervention's history and the plant's archive.

With ``PRONTO_SCREENSHOTS=docs/screenshots`` the inbox is saved as ``fax-inbox.png``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dispatch.choices import DocumentKind
from dispatch.choices import InterventionStatus as S
from dispatch.models import PlantDocument
from inbound import services
from tests.dispatch.helpers import intervention_in
from tests.inbound.conftest import dovecot, fax_email, fax_rendered, mail_in, sources  # noqa: F401
from tests.web.test_whole_flow import shoot

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_the_operator_files_a_fax_from_the_inbox_on_the_intervention_with_two_clicks(
    signed_in,
    users,
    plant,
    mail_in,
    sources,
    fax_rendered,
):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    page_one = fax_rendered(title="Verbale di sopralluogo", lines=["Cabina controllata.", "Firma: M. Rossi"])
    mail_in.send(fax_email(sender_number="+39 011 555 0101", content=page_one), to="faxes@pronto.test")
    other = fax_rendered(title="Richiesta documenti", lines=["Inviare il certificato."], fmt="tiff")
    mail_in.send(
        fax_email(sender_number="+39 02 777 0202", content=other, fmt="tiff"), to="faxes@pronto.test"
    )
    summary = services.inbound_poll(sources=[sources["faxes"]])
    assert summary["faxes"]["in_inbox"] == 2

    page = signed_in("operator")
    page.get_by_role("link", name="Fax inbox").click()
    faxes = page.locator("article.inbound-fax")
    expect(faxes).to_have_count(2)
    first = faxes.filter(has_text="+390115550101")
    expect(first).to_contain_text("1 page")
    shoot(page, "fax-inbox")

    first.get_by_label("File on").select_option(f"i:{intervention.pk}")
    first.get_by_role("button", name="File").click()

    expect(page.get_by_role("status")).to_contain_text(f"Fax filed on #{intervention.pk}")
    expect(page.locator("article.inbound-fax")).to_have_count(1)
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    assert (document.plant, document.intervention, document.pages) == (plant, intervention, 1)
    page.goto(f"/interventions/{intervention.pk}/")
    expect(page.locator("body")).to_contain_text("Fax received from +390115550101 filed here")
