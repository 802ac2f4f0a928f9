"""Call scripts: the operator answers them on the call; supervisors write them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import selectors, services
from dispatch.choices import CallType, Priority, Role
from dispatch.inputs import integer_parse
from dispatch.models import CallScript
from dispatch.script_parser import ScriptError
from dispatch.views.common import STAFF, form_error_text, role_required

# ----------------------------------------------------------------------------------------------
# Call scripts


def _script_fragment(request, call, *, status: int = 200):
    context = {
        "call": call,
        "state": selectors.call_script_state(call=call),
        "call_types": dict(CallType.choices),
        "priorities": dict(Priority.choices),
    }
    return render(request, "dispatch/_call_script.html", context, status=status)


@role_required(*STAFF)
def call_script(request, pk):
    """The call's script, one step at a time: GET shows where the call stands, POST records an
    answer (``step``, ``answer``: its position) and shows the next step."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        answer = integer_parse(request.POST.get("answer", ""), minimum=0)
        try:
            services.call_script_answer(
                actor=request.user,
                call=call,
                step=request.POST.get("step", ""),
                answer=-1 if answer is None else answer,
            )
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        if request.headers.get("HX-Request") != "true":
            return redirect("dispatch:call-detail", pk=pk)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _script_fragment(request, call)


@require_POST
@role_required(*STAFF)
def call_script_apply(request, pk):
    """Give the call the type its script suggested."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    state = selectors.call_script_state(call=call)
    if state is None or not state.suggested_call_type:
        messages.error(request, _("The script suggested no call type."))
    else:
        services.call_update(actor=request.user, call=call, call_type=state.suggested_call_type)
        messages.success(request, _("Call type set as the script suggested."))
    return redirect("dispatch:call-detail", pk=pk)


@require_GET
@role_required(*STAFF)
def script_list(request):
    scripts = {script.call_type: script for script in CallScript.objects.all()}
    rows = [("", _("Triage (call type not known yet)"), scripts.get(""))] + [
        (value, label, scripts.get(value)) for value, label in CallType.choices
    ]
    return render(request, "dispatch/script_list.html", {"rows": rows})


@role_required(Role.SUPERVISOR)
def script_edit(request, call_type: str = ""):
    """Write or change the script of a call type (``triage``: calls of no known type yet). A text
    that does not read as a script is shown again with the line at fault; nothing is lost."""
    if call_type == "triage":
        call_type = ""
    elif call_type not in CallType.values:
        raise Http404
    script = CallScript.objects.filter(call_type=call_type).first()
    label = dict(CallType.choices).get(call_type) or _("Triage (call type not known yet)")
    name = script.name if script else label
    source = script.source if script else SCRIPT_EXAMPLE
    error = ""
    if request.method == "POST":
        name, source = request.POST.get("name", ""), request.POST.get("source", "")
        try:
            services.call_script_save(actor=request.user, call_type=call_type, name=name, source=source)
        except ScriptError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = form_error_text(exc)
        else:
            messages.success(request, _("Script saved."))
            return redirect("dispatch:script-list")
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {"label": label, "name": name, "source": source, "error": error, "script": script}
    return render(request, "dispatch/script_edit.html", context, status=400 if error else 200)


SCRIPT_EXAMPLE = """[start] Do you smell gas right now?
  ? Ask calmly; keep the caller on the line.
  - Yes, strongly -> evacuate ; type=gas_leak priority=1
  - Faintly -> where ; type=gas_leak priority=2
  - No -> end ; type=information priority=4
[where] Where is the smell?
  - Inside the building -> evacuate ; priority=1
  - Outside -> end
[evacuate] No switches, no flames, open the windows, leave the building. Are they out?
  - Yes -> end
  - No -> end ; priority=1
"""
