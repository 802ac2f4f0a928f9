"""The demo's received faxes: one filed on the plant its subject names, one waiting in the fax
inbox, the TIFF filed on the plant written on its page (OCR) or, with no OCR, waiting too;
seeding again keeps nothing twice."""

import io

import pytest
from django.core.management import call_command

from dispatch.choices import DocumentKind
from dispatch.models import PlantDocument
from inbound.choices import FaxMatch, ItemStatus
from inbound.models import InboundItem, ReceivedFax

pytestmark = pytest.mark.django_db


def test_the_demo_faxes_and_seeding_again_keeps_nothing_twice(settings):
    settings.PRONTO_INBOUND_OCR_COMMAND = ""
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_network_demo", stdout=io.StringIO())
    call_command("seed_inbound_demo", stdout=io.StringIO())

    by_code = ReceivedFax.objects.get(matched_by=FaxMatch.CODE)
    assert by_code.plant.code == "GRF-MI-002" and by_code.pages == 1
    assert ReceivedFax.objects.filter(item__status=ItemStatus.IN_INBOX).count() == 2
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED).count() == 1

    out = io.StringIO()
    call_command("seed_inbound_demo", stdout=out)
    assert "kept=0" in out.getvalue()
    assert InboundItem.objects.count() == 3 and ReceivedFax.objects.count() == 3
