"""Stored files are judged by content (dispatch.files): refused at upload unless one of the
allowed kinds; served inline only when a verified image, with the type found, never the name's."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch.choices import DocumentKind
from dispatch.models import PlantDocument
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)
HTML = b"<html><body><script>fetch('/api/calls/').then(r => r.text()).then(alert)</script></body></html>"


@pytest.fixture
def admin_client(db):
    from django.test import Client

    staff = UserFactory(username="uploader")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def _upload(admin_client, plant, name, content, kind):
    return admin_client.post(
        "/admin/dispatch/plantdocument/add/",
        {"plant": plant.pk, "title": name, "kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def test_the_admin_refuses_html_whatever_its_name_or_kind(admin_client, plant):
    for name, kind in [("pic.html", "photo"), ("pic.jpg", "photo"), ("manual.pdf", "document")]:
        response = _upload(admin_client, plant, name, HTML, kind)
        assert response.status_code == 200 and b"not one Pronto keeps" in response.content, name
    assert not PlantDocument.objects.exists()


def test_the_admin_keeps_a_pdf_and_a_photo_only_if_it_is_an_image(admin_client, plant):
    assert _upload(admin_client, plant, "manual.pdf", b"%PDF-1.4 manual", "document").status_code == 302
    refused = _upload(admin_client, plant, "scan.jpg", b"%PDF-1.4 not an image", "photo")
    assert refused.status_code == 200 and b"A photo is a JPEG, PNG or WebP image" in refused.content
    assert _upload(admin_client, plant, "site.png", PNG, "photo").status_code == 302
    assert sorted(PlantDocument.objects.values_list("kind", flat=True)) == ["document", "photo"]


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type", "inline"),
    [
        ("site.png", PNG, DocumentKind.PHOTO, "image/png", True),
        # Stored before uploads were checked: leaves as bytes to save, never rendered.
        ("pic.html", HTML, DocumentKind.PHOTO, "application/octet-stream", False),
        ("manual.pdf", b"%PDF-1.4 manual", DocumentKind.DOCUMENT, "application/pdf", False),
        ("notes.txt", b"Valve 3 sticks", DocumentKind.DOCUMENT, "text/plain; charset=utf-8", False),
        # A PNG signature on a broken body is not a verified image.
        ("broken.png", PNG[:20], DocumentKind.PHOTO, "application/octet-stream", False),
    ],
)
def test_a_download_declares_the_contents_type_and_only_images_are_inline(
    users, plant, browser, name, content, kind, content_type, inline
):
    document = PlantDocument(plant=plant, title=name, kind=kind)
    document.file.save(name, ContentFile(content))
    response = browser("operator").get(f"/plants/{plant.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"%PDF-1.7", "PDF"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (PNG, "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        ("Riparazione eseguita, è tutto a posto".encode(), "text"),
        (HTML, None),
        (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", None),
        (b"\x00\x01binary", None),
        (b"MZ\x90\x00", None),
        (b"", None),
    ],
)
def test_what_counts_as_each_allowed_kind(head, found):
    from dispatch.files import file_type_sniff

    result = file_type_sniff(head)
    assert (result.name if result else None) == found


def test_every_page_carries_a_content_security_policy_without_inline_code(users, browser):
    from django.test import Client

    for client, path in [
        (Client(), "/accounts/login/"),
        (browser("operator"), "/"),
        (browser("technician"), "/m/"),
    ]:
        response = client.get(path, follow=True)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert (
            "'unsafe-inline'" not in directives["script-src"]
            and "'unsafe-eval'" not in directives["script-src"]
        )
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        html = response.content.decode()
        # No handler attributes; every inline <script>/<style> carries the request's nonce.
        assert not re.search(r"\son[a-z]+=", html), path
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
            assert "src=" in tag or "nonce=" in tag, (path, tag)
