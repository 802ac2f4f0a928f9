"""The shifts' pages: the roster's grid, generating and editing it, who is on now, coverage."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from shifts.models import LineCoverageMinimum, Shift, ShiftPattern
from shifts.services import shift_save

pytestmark = pytest.mark.django_db


def test_the_roster_shows_a_month_with_nights_marked_and_editing_only_for_editors(users, crew, browser):
    member = crew["members"][1]
    shift_save(actor=users["supervisor"], user=member, team=crew["team"], day=date(2026, 10, 24),
               start=time(19), end=time(7))  # fmt: skip
    page = browser("supervisor").get("/shifts/", {"team": crew["team"].pk, "month": "2026-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "19–07" in html and "☾" in html and "shift night manual" in html
    assert "Generate the month" in html and "/shifts/new/?team=" in html
    # An operator of the team reads it, without the editing.
    plain = browser("operator")
    crew["team"].leader = None
    crew["team"].save()
    read = plain.get("/shifts/", {"team": crew["team"].pk, "month": "2026-10"})
    assert read.status_code == 200 and "19–07" in read.content.decode()
    assert "Generate the month" not in read.content.decode()
    # Another team's roster is not offered to them: the form refuses it.
    assert plain.get("/shifts/", {"team": crew["other"].pk}).status_code == 400


def test_generating_and_editing_a_cell_through_the_pages(users, crew, browser):
    leader = browser("operator")  # the team's leader
    answer = leader.post(
        "/shifts/generate/", {"team": crew["team"].pk, "month": "2026-06", "pattern": "9h-5-2"}
    )
    assert (
        answer.status_code == 302 and answer["Location"] == f"/shifts/?month=2026-06&team={crew['team'].pk}"
    )
    assert Shift.objects.filter(team=crew["team"]).count() == 4 * 22
    shift = Shift.objects.filter(team=crew["team"], user=crew["members"][2]).order_by("day").first()
    form = leader.get(f"/shifts/{shift.pk}/")
    assert form.status_code == 200 and 'value="08:00"' in form.content.decode()
    body = {"user": shift.user_id, "day": shift.day.isoformat(), "start": "10:00", "end": "18:00",
            "break_minutes": "30", "lines": [crew["gas"].pk], "note": "Dentist first"}  # fmt: skip
    assert leader.post(f"/shifts/{shift.pk}/", body).status_code == 302
    shift.refresh_from_db()
    assert timezone.localtime(shift.starts_at).hour == 10 and shift.source == "manual"
    assert list(shift.lines.all()) == [crew["gas"]]
    # An overlap comes back on the form, keyed to the start.
    clash = {**body, "day": (shift.day - timedelta(days=1)).isoformat(), "start": "20:00", "end": "11:00"}
    refused = leader.post(f"/shifts/new/?team={crew['team'].pk}", clash)
    assert refused.status_code == 400 and "already on shift" in refused.content.decode()
    assert leader.post(f"/shifts/{shift.pk}/delete/").status_code == 302
    assert not Shift.objects.filter(pk=shift.pk).exists()


def test_a_member_who_does_not_lead_may_not_edit(users, crew, browser):
    crew["team"].leader = None
    crew["team"].save()
    member = browser("operator")
    shift = shift_save(actor=users["supervisor"], user=crew["members"][1], team=crew["team"],
                       day=date(2026, 6, 1), start=time(8), end=time(17))  # fmt: skip
    assert member.get(f"/shifts/{shift.pk}/").status_code == 403
    assert member.post(f"/shifts/{shift.pk}/delete/").status_code == 403
    answer = member.post(
        "/shifts/generate/", {"team": crew["team"].pk, "month": "2026-06", "pattern": "9h-5-2"}
    )
    assert answer.status_code == 403 and Shift.objects.count() == 1
    assert browser("technician").get("/shifts/").status_code == 403


def test_who_is_on_now_and_the_hours_under_the_minimum(users, crew, browser):
    today = timezone.localdate()
    begun = timezone.localtime() - timedelta(hours=1)
    for member, lines in ((crew["members"][1], []), (crew["members"][2], [crew["lifts"]])):
        shift_save(actor=users["supervisor"], user=member, team=crew["team"], day=begun.date(),
                   start=begun.time().replace(second=0, microsecond=0),
                   end=(begun + timedelta(hours=10)).time().replace(second=0, microsecond=0),
                   lines=lines)  # fmt: skip
    now = browser("operator").get("/shifts/now/")
    assert now.status_code == 200 and "Op1" in now.content.decode() and "Op2" in now.content.decode()
    LineCoverageMinimum.objects.create(line=crew["gas"], from_hour=9, to_hour=10, minimum=1)
    day = (today + timedelta(days=2)).isoformat()
    page = browser("supervisor").get("/shifts/coverage/", {"date_from": day, "date_to": day})
    assert page.status_code == 200
    assert page.content.decode().count('class="gap"') == 1
    bad = browser("supervisor").get("/shifts/coverage/", {"date_from": "2026-01-01", "date_to": "2026-06-01"})
    assert bad.status_code == 400 and "At most 62 days" in bad.content.decode()


def test_a_supervisor_adds_a_custom_pattern_operators_only_read_them(users, crew, browser):
    supervisor = browser("supervisor")
    page = supervisor.get("/shifts/patterns/")
    assert page.status_code == 200 and "12h × 2/2 night" in page.content.decode()
    body = {"code": "6h-evening", "name": "6h evenings", "kind": "custom", "cycle_days": "3",
            "blocks": "0 16:00-22:00 15\n1 22:00-04:00 15\n"}  # fmt: skip
    assert supervisor.post("/shifts/patterns/", body).status_code == 302
    pattern = ShiftPattern.objects.get(code="6h-evening")
    assert [(d.index, d.start, d.length_minutes, d.break_minutes) for d in pattern.days.all()] == [
        (0, time(16), 360, 15), (1, time(22), 360, 15)
    ]  # fmt: skip
    bad = supervisor.post("/shifts/patterns/", {**body, "blocks": "5 08:00-17:00"})
    assert bad.status_code == 400 and "One block at most per day" in bad.content.decode()
    operator = browser("operator")
    read = operator.get("/shifts/patterns/")
    assert read.status_code == 200 and "Save the pattern" not in read.content.decode()
    assert operator.post("/shifts/patterns/", {**body, "code": "other"}).status_code == 403


def test_a_supervisor_sets_the_minimums_the_coverage_reads(users, crew, browser):
    supervisor = browser("supervisor")
    body = {"line": crew["gas"].pk, "weekdays": ["5", "6"], "from_hour": "19", "to_hour": "24"}
    body["minimum"] = "2"
    assert supervisor.post("/shifts/minimums/", body).status_code == 302
    row = LineCoverageMinimum.objects.get()
    assert (row.weekdays, row.from_hour, row.to_hour, row.minimum) == ("56", 19, 24, 2)
    assert "Sat Sun" in supervisor.get("/shifts/minimums/").content.decode()
    backwards = supervisor.post("/shifts/minimums/", {**body, "from_hour": "20", "to_hour": "8"})
    assert backwards.status_code == 400 and LineCoverageMinimum.objects.count() == 1
    operator = browser("operator")
    assert operator.get("/shifts/minimums/").status_code == 200
    assert operator.post("/shifts/minimums/", body).status_code == 403
    assert operator.post(f"/shifts/minimums/{row.pk}/delete/").status_code == 403
    assert supervisor.post(f"/shifts/minimums/{row.pk}/delete/").status_code == 302
    assert not LineCoverageMinimum.objects.exists()
