"""The chain editor page: the rows of the draft (or of the latest version), saved as the draft,
published as the next version; a bad row is shown with its error and every row typed is kept;
supervisors only."""

import pytest

from escalations.models import EscalationChain, EscalationChainVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return EscalationChain.objects.get(case_type__isnull=True, priority=1)


@pytest.fixture
def boss(client, users):
    client.force_login(users["supervisor"])
    return client


def url(chain):
    return f"/escalations/chains/{chain.pk}/"


FILLER = (9, 0, "assigned_technician", "first", "remove")


def rows(*steps, shown=5):
    """The formset's POST as the page sends it: every row it showed (``shown``: the draft's or
    latest version's steps; rows not given are sent ticked to remove) and its empty row, each
    row (order, delay, target, channel[, "reassign", "remove"])."""
    steps = list(steps) + [FILLER] * max(0, shown - len(steps))
    data = {"form-INITIAL_FORMS": str(shown), "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "12"}
    for n, (order, delay, target, channel, *flags) in enumerate(steps):
        data.update({f"form-{n}-order": str(order), f"form-{n}-delay_minutes": str(delay),
                     f"form-{n}-target": target, f"form-{n}-channel": channel})  # fmt: skip
        for flag in flags:
            data[f"form-{n}-{flag}"] = "on"
    data["form-TOTAL_FORMS"] = str(len(steps) + 1)
    return data


def steps_of(version):
    return list(
        version.steps.order_by("position").values_list("delay_minutes", "target", "channel", "reassign")
    )


def test_the_page_shows_the_latest_version_as_rows_to_edit(boss, chain):
    html = boss.get(url(chain)).content.decode()
    assert "Steps (a new draft from the latest version)" in html
    # The shipped critical chain: five steps and the empty row to add one.
    assert 'name="form-TOTAL_FORMS" value="6"' in html
    assert 'name="form-4-target"' in html and 'name="form-5-order"' in html
    assert "version 1" in html


def test_save_makes_the_draft_and_publish_the_next_version(boss, chain, users):
    response = boss.post(
        url(chain),
        {**rows((2, 10, "team_leader", "email"), (1, 0, "assigned_technician", "first")), "save": "1"},
    )
    assert response.status_code == 302 and response["Location"] == url(chain)
    draft = EscalationChainVersion.objects.get(chain=chain, published_at__isnull=True)
    # In the order of their numbers.
    assert steps_of(draft) == [
        (0, "assigned_technician", "first", False),
        (10, "team_leader", "email", False),
    ]
    html = boss.get(url(chain)).content.decode()
    assert "Draft saved." in html and ">Draft<" in html
    response = boss.post(
        url(chain),
        {
            **rows(
                (1, 0, "assigned_technician", "first"),
                (2, 10, "team_leader", "email"),
                (3, 5, "on_call", "sms", "reassign"),
            ),
            "publish": "1",
        },
    )
    assert response.status_code == 302
    latest = chain.versions.order_by("-number").first()
    assert (latest.number, latest.published_by) == (2, users["supervisor"])
    assert steps_of(latest)[-1] == (5, "on_call", "sms", True)
    assert not chain.versions.filter(published_at__isnull=True).exists()
    assert "Version 2 published." in boss.get(url(chain)).content.decode()


def test_a_removed_row_is_dropped(boss, chain):
    boss.post(
        url(chain),
        {**rows((1, 0, "assigned_technician", "first"), (2, 5, "on_call", "sms", "remove")), "publish": "1"},
    )
    assert steps_of(chain.versions.order_by("-number").first()) == [
        (0, "assigned_technician", "first", False)
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ((2, -5, "team_leader", "email"), "greater than or equal to 0"),
        ((2, 5, "the_mayor", "email"), "Select a valid choice"),
        ((1, 5, "team_leader", "email"), "Two rows have the order 1"),
        ((2, 5, "team_leader", "email", "reassign"), "only a step to someone on call may assign the case"),
    ],
    ids=["negative delay", "unknown target", "duplicate order", "reassign not on call"],
)
def test_a_bad_row_shows_its_error_and_loses_nothing(boss, chain, bad, message):
    before = list(chain.versions.values_list("pk", "number"))
    posted = rows((1, 0, "assigned_technician", "first"), bad, (3, 45, "supervisor_on_duty", "all"))
    for button in ("save", "publish"):
        response = boss.post(url(chain), {**posted, button: "1"})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        # Every row as typed, the good ones and the bad one.
        assert 'name="form-2-delay_minutes" value="45"' in html
        assert 'value="supervisor_on_duty" selected' in html
        assert f'name="form-1-delay_minutes" value="{bad[1]}"' in html
    assert list(chain.versions.values_list("pk", "number")) == before


@pytest.mark.parametrize("who", ["operator", "technician", "utility", "norole"])
def test_the_editor_is_for_supervisors_only(client, users, chain, who):
    client.force_login(users[who])
    assert client.get(url(chain)).status_code == 403
    assert client.get("/escalations/chains/").status_code == 403
    response = client.post(url(chain), {**rows((1, 0, "assigned_technician", "first")), "publish": "1"})
    assert response.status_code == 403
    assert chain.versions.count() == 1
