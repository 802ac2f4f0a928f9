"""Programmable call scripts: written by supervisors as text, followed by operators on the call
screen, answers kept on the call and in its history, suggestions of type and priority."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from dispatch import selectors, services
from dispatch.models import CallScriptAnswer, Event
from dispatch.script_parser import ScriptError, script_parse

from .helpers import call_logged

TRIAGE = """# triage
[start] Do you smell gas right now?
  ? Ask calmly.
  - Yes, strongly -> evacuate ; type=gas_leak priority=1
  - No -> end ; type=information priority=4
[evacuate] Are they out of the building?
  - Yes -> end
  - No -> end ; priority=1
"""


def test_a_script_reads_into_steps_answers_and_suggestions():
    script = script_parse(TRIAGE)
    assert script["start"] == "start"
    start = script["steps"]["start"]
    assert start["question"] == "Do you smell gas right now?" and start["hint"] == "Ask calmly."
    assert start["answers"][0] == {
        "label": "Yes, strongly",
        "next": "evacuate",
        "call_type": "gas_leak",
        "priority": 1,
    }
    assert script["steps"]["evacuate"]["answers"][1] == {
        "label": "No",
        "next": "end",
        "call_type": "",
        "priority": 1,
    }


@pytest.mark.parametrize(
    "source, line, words",
    [
        ("", 1, "no step"),
        ("- Yes -> end", 1, "before any [step]"),
        ("[a] Q?\n  - Yes -> b", 2, 'no step "b"'),
        ("[a] Q?\n  - Yes -> end ; type=pizza", 2, 'unknown call type "pizza"'),
        ("[a] Q?\n  - Yes -> end ; priority=9", 2, "priority is 1"),
        ("[a] Q?\n  - Yes -> end\n[a] Again?\n  - No -> end", 3, "defined twice"),
        ("[a] Q?\nwhat is this", 2, "expected"),
        ("[a] Q?\n[b] R?\n  - Yes -> end", 0, 'step "a" has no answer'),
    ],
)
def test_a_text_that_is_not_a_script_names_the_line(source, line, words):
    with pytest.raises(ScriptError) as raised:
        script_parse(source)
    assert raised.value.line == line and words in raised.value.message


@pytest.mark.django_db
def test_only_supervisors_save_scripts_and_each_save_is_a_version(users):
    with pytest.raises(PermissionDenied):
        services.call_script_save(actor=users["operator"], call_type="", name="Triage", source=TRIAGE)
    first = services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    again = services.call_script_save(
        actor=users["supervisor"], call_type="", name="Triage v2", source=TRIAGE
    )
    assert first.pk == again.pk and again.version == 2 and again.name == "Triage v2"


@pytest.mark.django_db
def test_following_the_script_records_answers_on_the_call_and_in_its_history(users, plant):
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    call = call_logged(users, plant, call_type="")

    state = selectors.call_script_state(call=call)
    assert state.step_key == "start" and state.answers == []
    services.call_script_answer(actor=users["operator"], call=call, step="start", answer=0)
    state = selectors.call_script_state(call=call)
    assert state.step_key == "evacuate"
    assert (state.suggested_call_type, state.suggested_priority) == ("gas_leak", 1)
    services.call_script_answer(actor=users["operator"], call=call, step="evacuate", answer=0)

    state = selectors.call_script_state(call=call)
    assert state.step is None  # the end
    assert [(a.question, a.answer) for a in CallScriptAnswer.objects.filter(call=call).order_by("pk")] == [
        ("Do you smell gas right now?", "Yes, strongly"),
        ("Are they out of the building?", "Yes"),
    ]
    events = Event.objects.filter(call=call, kind="call.script_answer").order_by("seq")
    assert [e.data["answer"] for e in events] == ["Yes, strongly", "Yes"]


@pytest.mark.django_db
def test_an_answer_not_in_the_script_is_refused_and_technicians_may_not_answer(users, plant):
    from django.core.exceptions import ValidationError

    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    call = call_logged(users, plant)
    with pytest.raises(ValidationError):
        services.call_script_answer(actor=users["operator"], call=call, step="start", answer=7)
    with pytest.raises(ValidationError):
        services.call_script_answer(actor=users["operator"], call=call, step="nowhere", answer=0)
    with pytest.raises(PermissionDenied):
        services.call_script_answer(actor=users["technician"], call=call, step="start", answer=0)
    assert not CallScriptAnswer.objects.exists()


@pytest.mark.django_db
def test_the_call_screen_runs_the_script_in_place_and_applies_the_suggested_type(users, plant, browser):
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    call = call_logged(users, plant, call_type="")
    client = browser("operator")
    page = client.get(reverse("dispatch:call-detail", args=[call.pk])).content.decode()
    assert "Do you smell gas right now?" in page and 'hx-post="/calls/' in page

    fragment = client.post(
        reverse("dispatch:call-script", args=[call.pk]),
        {"step": "start", "answer": "0"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert fragment.startswith('<section id="call-script"') and "Are they out of the building?" in fragment
    assert "Gas leak" in fragment and "Critical" in fragment and "Set this call type" in fragment

    client.post(reverse("dispatch:call-script-apply", args=[call.pk]))
    call.refresh_from_db()
    assert call.call_type == "gas_leak"


@pytest.mark.django_db
def test_a_script_with_a_mistake_is_shown_again_with_the_line_and_nothing_is_lost(users, browser):
    client = browser("supervisor")
    url = reverse("dispatch:script-edit", args=["gas_leak"])
    broken = TRIAGE.replace("-> evacuate", "-> evacuat")

    response = client.post(url, {"name": "Gas", "source": broken})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and "Line 4" in page and "no step &quot;evacuat&quot;" in page
    assert "-&gt; evacuat ;" in page  # the text as written, to fix
    assert client.post(url, {"name": "Gas", "source": TRIAGE}).status_code == 302
    assert selectors.call_script_for(call_logged_for_type(users, "gas_leak")).name == "Gas"


def call_logged_for_type(users, call_type):
    return services.call_log(actor=users["operator"], caller_number="+39 02 1234 0000", call_type=call_type)


@pytest.mark.django_db
@pytest.mark.parametrize("name, status", [("operator", 403), ("technician", 403), ("utility", 403)])
def test_only_supervisors_edit_scripts(users, browser, name, status):
    url = reverse("dispatch:script-edit", args=["triage"])
    assert browser(name).get(url).status_code == status
    assert browser(name).post(url, {"name": "x", "source": TRIAGE}).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["technician", "utility", "norole"])
def test_scripts_are_for_staff(users, plant, browser, name):
    call = call_logged(users, plant)
    assert browser(name).get(reverse("dispatch:script-list")).status_code == 403
    post = browser(name).post(
        reverse("dispatch:call-script", args=[call.pk]), {"step": "start", "answer": "0"}
    )
    assert post.status_code == 403
