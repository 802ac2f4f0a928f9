"""Faxes HylaFAX received on its modems, read from its received queue over hfaxd's client
protocol: a private HylaFAX (tests/servers/hylafax.py), a TIFF in its recvq as faxgetty leaves
it (the sender's identity in the TIFF's ImageDescription), made by Pronto's fax renderer."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from dispatch.choices import DocumentKind
from dispatch.models import KnownNumber, PlantDocument
from inbound import services
from inbound.backends.hylafax import HylafaxRecvqSource
from inbound.choices import FaxMatch
from inbound.models import InboundItem, ReceivedFax
from tests.servers.hylafax import HylafaxGateway

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]


@pytest.fixture
def hylafax():
    gateway = HylafaxGateway.create_or_skip()
    yield gateway
    gateway.close()


def received(gateway: HylafaxGateway, name: str, tiff: bytes, *, tsi: str) -> None:
    """Put a fax into the recvq as faxgetty does: a TIFF owned by the fax user, the remote
    station's identity in its ImageDescription."""
    with Image.open(io.BytesIO(tiff)) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="TIFF", compression="group3", dpi=image.info.get("dpi"), description=tsi)
    path = gateway.spool / "recvq" / name
    path.write_bytes(buffer.getvalue())
    os.chown(path, gateway.fax_uid, gateway.fax_gid)
    path.chmod(0o644)


def test_a_fax_in_hylafaxs_received_queue_is_matched_by_number_and_filed_once(hylafax, plant, fax_rendered):
    KnownNumber.objects.create(number="+390255501234", plant=plant)
    received(
        hylafax,
        "fax000000001.tif",
        fax_rendered(title="Verbale", lines=["Firmato."], fmt="tiff"),
        tsi="+39 02 5550 1234",
    )
    source = HylafaxRecvqSource(
        name="hylafax", kind="fax", host=hylafax.host, port=hylafax.port,
        username=hylafax.user, password=hylafax.password, timeout=10,
    )  # fmt: skip

    summary = services.inbound_poll(sources=[source])

    assert summary["hylafax"]["filed"] == 1, (summary, list(InboundItem.objects.values("status", "error")))
    fax = ReceivedFax.objects.get()
    assert (fax.plant, fax.matched_by, fax.sender_number, fax.pages) == (
        plant,
        FaxMatch.NUMBER,
        "+390255501234",
        1,
    )
    assert fax.item.message_id.startswith("recvq:fax000000001.tif:")
    # HylaFAX keeps its queue; the next poll skips what was filed without fetching it again.
    again = services.inbound_poll(sources=[source])
    assert again["hylafax"]["seen"] == 0
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED).count() == 1
