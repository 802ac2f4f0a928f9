"""The on-call pages: who is on call now, a team's coming weeks and covers, the rota's form, an
override, a swap asked, approved and withdrawn; refusals come back as messages."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from oncall.choices import CoverKind, CoverStatus
from oncall.models import Rota, RotaCover
from oncall.selectors import on_call_by_team
from oncall.services import rota_save, swap_request
from teams.models import Team

pytestmark = pytest.mark.django_db


def local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def running(users, north):
    """North's rota started three weeks ago (this week: anna's turn again, week 3 of 3 → anna)."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 21)
    return rota_save(
        actor=users["supervisor"], team=north, name="Gas", handover_weekday=0, handover_time=time(0, 0),
        starts_on=monday, members=north.people,
    )  # fmt: skip


def test_on_call_now_shows_every_team_and_its_backup(users, north, running, browser):
    south = Team.objects.create(code="south", name="South", backup_team=north)
    page = browser("operator").get("/oncall/")
    assert page.status_code == 200
    html = page.content.decode()
    anna = north.people[0]
    assert on_call_by_team(at=timezone.now(), team_ids=[north.pk])[north.pk] == [anna.pk]
    assert "North" in html and "South" in html and anna.username in html
    assert f'data-team="{south.code}"' in html


def test_the_team_page_shows_the_weeks_and_offers_the_leader_an_override(users, north, running, browser):
    anna = browser("supervisor")  # a supervisor leads any team
    page = anna.get(f"/oncall/teams/{north.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rota Gas" in html and "Set an override" in html and "Ask for a swap" not in html
    carla = north.people[2]
    start = timezone.now() + timedelta(hours=1)
    body = {"rota": running.pk, "user": carla.pk, "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=5)), "reason": "Anna at the dentist"}  # fmt: skip
    done = anna.post(f"/oncall/teams/{north.pk}/override/", body)
    assert done.status_code == 302 and done["Location"] == f"/oncall/teams/{north.pk}/"
    cover = RotaCover.objects.get(rota=running)
    assert (cover.kind, cover.status, cover.user_id) == (CoverKind.OVERRIDE, CoverStatus.APPROVED, carla.pk)
    # A span that ends before it starts comes back on the form, the values kept.
    wrong = {**body, "ends_at": local(start - timedelta(hours=1))}
    refused = anna.post(f"/oncall/teams/{north.pk}/override/", wrong)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "The end comes after the start." in html and "Anna at the dentist" in html


def test_a_technician_asks_for_a_swap_and_the_leader_approves(users, north, running, client):
    anna, bruno, _carla = north.people
    client.force_login(anna)  # on call this week, and the team's leader
    page = client.get(f"/oncall/teams/{north.pk}/")
    assert page.status_code == 200 and "Ask for a swap" in page.content.decode()
    start = timezone.now() + timedelta(hours=1)
    body = {"rota": running.pk, "taker": bruno.pk, "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=3))}  # fmt: skip
    assert client.post(f"/oncall/teams/{north.pk}/swap/", body).status_code == 302
    cover = RotaCover.objects.get(kind=CoverKind.SWAP)
    assert cover.status == CoverStatus.REQUESTED and cover.replaced_id == anna.pk
    # Bruno may not decide: not the leader. The page says so, and nothing changes.
    other = type(client)()
    other.force_login(bruno)
    refused = other.post(f"/oncall/covers/{cover.pk}/decide/", {"decision": "approve"})
    assert refused.status_code == 403 and "team&#x27;s leader" in refused.content.decode()
    cover.refresh_from_db()
    assert cover.status == CoverStatus.REQUESTED
    assert client.post(f"/oncall/covers/{cover.pk}/decide/", {"decision": "approve"}).status_code == 302
    cover.refresh_from_db()
    assert cover.status == CoverStatus.APPROVED
    assert on_call_by_team(at=start + timedelta(hours=1), team_ids=[north.pk])[north.pk] == [bruno.pk]
    # Deciding again is a conflict, shown on the page.
    again = client.post(f"/oncall/covers/{cover.pk}/decide/", {"decision": "refuse"})
    assert again.status_code == 409 and "already" in again.content.decode()


def test_a_swap_outside_ones_turn_comes_back_with_the_reason(users, north, running, client):
    anna, bruno, carla = north.people
    client.force_login(bruno)  # not on call this week
    start = timezone.now() + timedelta(hours=1)
    body = {"rota": running.pk, "taker": carla.pk, "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=3)), "reason": "Wedding"}  # fmt: skip
    refused = client.post(f"/oncall/teams/{north.pk}/swap/", body)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "You are not on call for the whole of this span." in html and "Wedding" in html
    assert not RotaCover.objects.exists()
    # The technician's phone links to the rotas and the calendar.
    phone = client.get("/m/").content.decode()
    assert 'href="/oncall/"' in phone and 'href="/oncall/feed/"' in phone


def test_the_one_who_asked_withdraws_a_swap(users, north, running, client):
    anna, bruno, _carla = north.people
    start = timezone.now() + timedelta(hours=1)
    cover = swap_request(
        actor=anna, rota=running, taker=bruno, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    client.force_login(anna)
    assert client.post(f"/oncall/covers/{cover.pk}/withdraw/").status_code == 302
    cover.refresh_from_db()
    assert cover.status == CoverStatus.WITHDRAWN


def test_the_rota_form_keeps_the_turns_in_order(users, north, browser):
    boss = browser("supervisor")
    anna, bruno, carla = north.people
    form = boss.get(f"/oncall/teams/{north.pk}/rotas/new/")
    assert form.status_code == 200 and "Turn 3" in form.content.decode()
    body = {"name": "Lifts", "handover_weekday": "4", "handover_time": "20:00", "starts_on": "2026-11-06",
            "turn_0": carla.pk, "turn_1": anna.pk, "turn_2": ""}  # fmt: skip
    assert boss.post(f"/oncall/teams/{north.pk}/rotas/new/", body).status_code == 302
    rota = Rota.objects.get(name="Lifts")
    assert list(rota.members.values_list("user_id", flat=True)) == [carla.pk, anna.pk]
    # The same technician twice: the service's message on the form.
    twice = {**body, "turn_1": carla.pk}
    refused = boss.post(f"/oncall/rotas/{rota.pk}/", twice)
    assert refused.status_code == 400 and "Each technician takes one turn." in refused.content.decode()
    assert boss.get(f"/oncall/rotas/{rota.pk}/").status_code == 200


def test_who_reads_which_team(users, north, running, browser):
    # A technician outside the team does not see it; an operator sees it but may not lead.
    assert browser("technician").get(f"/oncall/teams/{north.pk}/").status_code == 404
    assert browser("operator").get(f"/oncall/teams/{north.pk}/rotas/new/").status_code == 403
    assert browser("utility").get("/oncall/").status_code == 403
