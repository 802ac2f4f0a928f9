"""Reads. Every permission-checked fetch is here, used by all pages and endpoints alike, so a
``utility`` user can never reach another customer's rows by a path someone forgot."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from dispatch.timing import as_utc, shifted

from . import ports
from .access import found_or_404, history_for_user, restrict
from .choices import CallbackStatus, CallSource, DocumentKind, InterventionStatus, Priority, Role, SubjectType
from .history import event_digest_of
from .models import (
    Call,
    Callback,
    CallScript,
    CallScriptAnswer,
    Event,
    Intervention,
    PersonalDatum,
    Plant,
    PlantDocument,
    UserProfile,
    WorkstationPreference,
)
from .models.interventions import InterventionQuerySet
from .personal import commitment_of, references_in
from .roles import user_roles


def plant_list_for_user(*, user) -> QuerySet[Plant]:
    """Staff and technicians see every plant; a utility user its own customer's only."""
    return restrict(Plant.objects.select_related("customer"), user)


def plant_get_for_user(*, user, pk) -> Plant:
    return found_or_404(plant_list_for_user(user=user), pk)


def plant_document_list_for_user(*, user) -> QuerySet[PlantDocument]:
    """The plants' archives for whoever may see the plant; faxes and photos for staff and the
    technicians ever assigned to their intervention, photos for its utility (``PlantDocument``)."""
    # An erased photo is gone: its file was deleted; the history keeps its digest.
    return restrict(PlantDocument.objects.filter(personal_erased_at__isnull=True), user)


def plant_document_get_for_user(*, user, plant_pk, pk) -> PlantDocument:
    return found_or_404(plant_document_list_for_user(user=user).filter(plant_id=plant_pk), pk)


def plant_documents_prefetch(*, user) -> Prefetch:
    """A plant's ``documents`` as ``user`` may see them, for ``prefetch_related``."""
    return Prefetch("documents", queryset=plant_document_list_for_user(user=user).order_by("title", "pk"))


def call_list_for_user(*, user) -> QuerySet[Call]:
    """Staff see every call; a technician the calls behind its interventions; a utility user
    the calls about its customer's plants."""
    return restrict(Call.objects.with_related(), user)


def call_get_for_user(*, user, pk) -> Call:
    return found_or_404(call_list_for_user(user=user), pk)


def call_list_earlier(*, user, call: Call, limit: int = 10) -> QuerySet[Call]:
    """Earlier calls from the same number that ``user`` may see, newest first (none when withheld)."""
    if not call.caller_token:
        return Call.objects.none()
    # By the caller's token: an erased caller's calls still find each other.
    return (
        call_list_for_user(user=user)
        .filter(caller_token=call.caller_token, received_at__lt=call.received_at)
        .order_by("-received_at")[:limit]
    )


def intervention_list_for_user(*, user) -> InterventionQuerySet:
    """Staff see every intervention; a technician those assigned to it; a utility user its
    customer's."""
    return restrict(Intervention.objects.with_related(), user)


def intervention_get_for_user(*, user, pk) -> Intervention:
    return found_or_404(intervention_list_for_user(user=user), pk)


def event_list_for_subject(*, subject: Call | Intervention, user) -> list[Event]:
    """The subject's history, oldest first, as ``user`` may read it (``access.history_for_user``)."""
    subject_type = SubjectType.CALL if isinstance(subject, Call) else SubjectType.INTERVENTION
    events = (
        Event.objects.filter(subject_type=subject_type, subject_id=subject.pk)
        .select_related("actor")
        .order_by("seq")
    )
    return history_for_user(user, events)


@dataclass
class HistoryProblem:
    event_id: int
    subject: str
    seq: int
    reason: str


@dataclass
class HistoryVerification:
    events: int = 0
    chains: int = 0
    problems: list[HistoryProblem] = field(default_factory=list)

    @property
    def first_problem(self) -> HistoryProblem | None:
        return min(self.problems, key=lambda p: p.event_id) if self.problems else None


def history_verify(*, chunk_size: int = 5000) -> HistoryVerification:
    """Recompute every chain: each event's digest, its link to the previous one, no gaps, and
    every call and intervention has a chain starting at 1. Streams in index order, holding one
    chain at a time in memory."""
    result = HistoryVerification()
    pending: dict[str, tuple[int, str, int]] = {}
    current = None
    expected_seq, prev_hash = 1, ""
    events = Event.objects.order_by("subject_type", "subject_id", "seq").iterator(chunk_size=chunk_size)
    for event in events:
        result.events += 1
        chain = (event.subject_type, event.subject_id)
        subject = f"{event.subject_type}:{event.subject_id}"
        if chain != current:
            current, expected_seq, prev_hash = chain, 1, ""
            result.chains += 1
        if event.seq != expected_seq:
            result.problems.append(
                HistoryProblem(event.pk, subject, event.seq, f"sequence gap: expected {expected_seq}")
            )
        if event.prev_hash != prev_hash:
            result.problems.append(
                HistoryProblem(
                    event.pk, subject, event.seq, "link broken: prev_hash is not the previous digest"
                )
            )
        if event_digest_of(event) != event.hash:
            result.problems.append(
                HistoryProblem(event.pk, subject, event.seq, "content altered: digest does not match")
            )
        expected_seq, prev_hash = event.seq + 1, event.hash
        for commitment in references_in(event.data):
            pending[commitment] = (event.pk, subject, event.seq)
        if len(pending) >= chunk_size:
            _personal_references_check(pending, result)
    _personal_references_check(pending, result)
    _personal_values_check(result, chunk_size)
    for model, subject_type in ((Call, SubjectType.CALL), (Intervention, SubjectType.INTERVENTION)):
        with_history = Event.objects.filter(subject_type=subject_type, seq=1).values("subject_id")
        for pk in model.objects.exclude(pk__in=with_history).values_list("pk", flat=True).iterator():
            result.problems.append(HistoryProblem(0, f"{subject_type}:{pk}", 0, "no history chain"))
    return result


def _personal_references_check(pending: dict[str, tuple[int, str, int]], result: HistoryVerification) -> None:
    """Every personal datum the events refer to still has its row (erased or not); clears ``pending``."""
    found = set(
        PersonalDatum.objects.filter(commitment__in=list(pending)).values_list("commitment", flat=True)
    )
    for commitment, (event_id, subject, seq) in pending.items():
        if commitment not in found:
            result.problems.append(HistoryProblem(event_id, subject, seq, "personal data row missing"))
    pending.clear()


def _personal_values_check(result: HistoryVerification, chunk_size: int) -> None:
    """Every value still held matches its commitment: a value changed in place is tampering."""
    rows = PersonalDatum.objects.filter(erased_at__isnull=True).order_by("pk")
    for row in rows.only("pk", "salt", "value", "commitment", "call_id", "intervention_id").iterator(
        chunk_size=chunk_size
    ):
        if commitment_of(row.salt, row.value) != row.commitment:
            subject = f"call:{row.call_id}" if row.call_id else f"intervention:{row.intervention_id}"
            result.problems.append(HistoryProblem(0, subject, 0, f"personal data {row.pk} altered"))


# ----------------------------------------------------------------------------------------------
# Callbacks


def callback_is_due(callback: Callback, now: datetime | None = None) -> bool:
    return callback.status == CallbackStatus.SCHEDULED and as_utc(callback.due_at) <= as_utc(
        now or timezone.now()
    )


def callback_is_overdue(callback: Callback, now: datetime | None = None) -> bool:
    grace = timedelta(minutes=settings.PRONTO_CALLBACK_OVERDUE_MINUTES)
    return callback.status == CallbackStatus.SCHEDULED and shifted(callback.due_at, grace) <= as_utc(
        now or timezone.now()
    )


def callback_list_open(*, user) -> QuerySet[Callback]:
    """Scheduled callbacks, soonest first: staff only (others get none)."""
    return restrict(Callback.objects.filter(status=CallbackStatus.SCHEDULED), user).select_related(
        "call", "intervention__plant", "assigned_to"
    )


def callbacks_due_for_user(*, user, limit: int = 3) -> tuple[int, list[Callback]]:
    """The callbacks due now that this user should make (an operator: theirs and anyone's; a
    supervisor: all), soonest first: their number and the first ``limit``."""
    due = callback_list_open(user=user).filter(due_at__lte=timezone.now())
    if Role.SUPERVISOR not in user_roles(user):
        due = due.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    first = list(due.order_by("due_at", "pk")[:limit])
    return (len(first) if len(first) < limit else due.count()), first


def callback_list_for_user(*, user) -> QuerySet[Callback]:
    return restrict(Callback.objects.select_related("call", "intervention__plant", "assigned_to"), user)


def callback_get_for_user(*, user, pk) -> Callback:
    return found_or_404(callback_list_for_user(user=user), pk)


# ----------------------------------------------------------------------------------------------
# The operator's screen (the board's own reads are in dispatch/board.py)


def workstation_preference_get(*, user) -> WorkstationPreference:
    """``user``'s screen settings: the saved ones, else the defaults (unsaved)."""
    found = WorkstationPreference.objects.filter(user=user).first()
    return found if found is not None else WorkstationPreference(user=user)


def call_incoming_for_operator(*, user, within: timedelta = timedelta(minutes=15)) -> Call | None:
    """The newest call the phone system rang at, or had answered by, ``user`` and not ended: the
    one their screen should show. Recent ones only, so a call whose end the phone system never
    reported does not keep coming back. A call typed in by hand never rang: its screen is the
    one that logged it."""
    return (
        Call.objects.filter(
            operator=user,
            source=CallSource.TELEPHONY,
            ended_at__isnull=True,
            received_at__gte=shifted(timezone.now(), -within),
        )
        .order_by("-received_at", "-pk")
        .only("pk", "caller_number", "line", "answered_at")
        .first()
    )


def interventions_awaiting_closure(*, user, limit: int = 100) -> list[Intervention]:
    """Completed by the technician, waiting for a supervisor's close: the oldest first, each
    with its ``photos`` from the site."""
    return list(
        intervention_list_for_user(user=user)
        .filter(status=InterventionStatus.COMPLETED)
        .prefetch_related(Prefetch("documents", queryset=_photos(user=user), to_attr="photos"))
        .order_by("completed_at", "pk")[:limit]
    )


def intervention_photos(*, intervention: Intervention, user) -> list[PlantDocument]:
    """The photos the technician took on site that ``user`` may fetch, in the order taken."""
    return list(_photos(user=user).filter(intervention=intervention))


def _photos(*, user) -> QuerySet[PlantDocument]:
    return (
        plant_document_list_for_user(user=user)
        .filter(kind=DocumentKind.PHOTO)
        .select_related("step")
        .order_by("step__client_time", "pk")
    )


@dataclass(frozen=True)
class ScriptState:
    """Where a call stands in its script: the step to ask now (``None`` once it reached the
    end), the answers given so far, and the latest call type and priority they suggested."""

    script: CallScript
    step_key: str | None
    step: dict | None
    answers: list[CallScriptAnswer]
    suggested_call_type: str
    suggested_priority: int | None


def call_script_for(call: Call) -> CallScript | None:
    """The script of the call's type, else the triage script (blank type), else none."""
    scripts = {s.call_type: s for s in CallScript.objects.filter(call_type__in={call.call_type, ""})}
    return scripts.get(call.call_type) or scripts.get("")


def call_script_state(*, call: Call) -> ScriptState | None:
    script = call_script_for(call)
    if script is None:
        return None
    answers = list(call.script_answers.filter(script=script).order_by("answered_at", "pk"))
    key = answers[-1].next_step if answers else script.steps["start"]
    step = script.steps["steps"].get(key)
    suggested_type = next((a.suggested_call_type for a in reversed(answers) if a.suggested_call_type), "")
    suggested_priority = next(
        (a.suggested_priority for a in reversed(answers) if a.suggested_priority is not None), None
    )
    return ScriptState(
        script=script,
        step_key=key if step is not None else None,
        step=step,
        answers=answers,
        suggested_call_type=suggested_type,
        suggested_priority=suggested_priority,
    )


@dataclass(frozen=True)
class TechnicianSuggestion:
    technician: AbstractBaseUser
    on_duty: bool
    skilled: bool
    distance_km: float | None
    open_interventions: int
    position_at: datetime | None = None
    # On call for this plant now: through which team, and whether it is the backup team.
    on_call_team: str = ""
    on_call_via_backup: bool = False
    on_call_rank: int | None = None


def technicians_suggested(*, plant: Plant) -> list[TechnicianSuggestion]:
    """Active technicians in the order to send them: those on call for the plant first (its own
    teams' rotas, then their backup teams': ``ports.on_call``), then on duty, then those who work
    on this kind of plant, then the nearest to it (by the position their phone last shared, if
    recent enough: ``PRONTO_POSITION_MAX_AGE_MINUTES``; unknown last), then the least busy."""
    now = timezone.now()
    on_call = {
        entry.technician_id: (rank, entry)
        for rank, entry in enumerate(ports.on_call().on_call_for(plant=plant, at=now))
    }
    fresh_since = shifted(now, -timedelta(minutes=settings.PRONTO_POSITION_MAX_AGE_MINUTES))
    User = get_user_model()
    technicians = list(
        User.objects.filter(is_active=True, groups__name=Role.TECHNICIAN)
        .select_related("profile")
        .order_by("username")
        .distinct()
    )
    busy = dict(
        Intervention.objects.not_final()
        .filter(technician__in=technicians)
        .order_by()
        .values_list("technician")
        .annotate(n=Count("pk"))
        .values_list("technician", "n")
    )
    suggestions = []
    for technician in technicians:
        profile = getattr(technician, "profile", None)
        skills = profile.skills if profile is not None and isinstance(profile.skills, list) else []
        distance, position_at = None, None
        if (
            profile is not None
            and profile.latitude is not None
            and profile.longitude is not None
            and profile.position_at is not None
            and profile.position_at >= fresh_since
        ):
            position_at = profile.position_at
            if plant.latitude is not None and plant.longitude is not None:
                distance = _distance_km(profile.latitude, profile.longitude, plant.latitude, plant.longitude)
        rank, entry = on_call.get(technician.pk, (None, None))
        suggestions.append(
            TechnicianSuggestion(
                technician=technician,
                on_duty=bool(profile and profile.on_duty),
                skilled=plant.kind in skills,
                distance_km=distance,
                open_interventions=busy.get(technician.pk, 0),
                position_at=position_at,
                on_call_team=entry.team_name if entry else "",
                on_call_via_backup=bool(entry and entry.via_backup),
                on_call_rank=rank,
            )
        )
    suggestions.sort(
        key=lambda s: (
            s.on_call_rank is None,
            s.on_call_rank or 0,
            not s.on_duty,
            not s.skilled,
            s.distance_km is None,
            s.distance_km or 0.0,
            s.open_interventions,
            s.technician.get_username(),
        )
    )
    return suggestions


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine): enough to rank technicians, not to route them."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi, dlambda = phi2 - phi1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def technician_profile_get(*, user) -> UserProfile:
    """The user's profile, or an unsaved blank one (off duty, no position) if it has none."""
    return UserProfile.objects.filter(user=user).first() or UserProfile(user=user)


# --- The staff's alert banner (issue 16) ------------------------------------------------------

# A critical intervention opened longer ago than this is the board's business, not an alert.
CRITICAL_ALERT_WITHIN = timedelta(hours=1)
CRITICAL_ALERTS_SHOWN = 3


@dataclass(frozen=True)
class Alerts:
    """What the alert banner shows a staff user (``alerts_for_user``)."""

    call: Call | None  # ringing at or answered by the user, not ended: their screen opens it
    critical: list[Intervention]  # newest first, at most CRITICAL_ALERTS_SHOWN
    critical_more: bool

    @property
    def ringing(self) -> Call | None:
        """The call while it rings unanswered."""
        return self.call if self.call is not None and self.call.answered_at is None else None


def alerts_for_user(*, user, critical_after: int) -> Alerts:
    """Two queries: the call ringing at ``user`` (``call_incoming_for_operator``), and the
    critical interventions ``user`` may see, still open, opened in the last
    ``CRITICAL_ALERT_WITHIN`` by someone else (an alarm, another operator) and numbered above
    ``critical_after``, the last one they acknowledged."""
    critical = list(
        intervention_list_for_user(user=user)
        .not_final()
        .filter(
            priority=Priority.CRITICAL,
            pk__gt=critical_after,
            opened_at__gte=shifted(timezone.now(), -CRITICAL_ALERT_WITHIN),
        )
        .exclude(opened_by=user)
        .order_by("-pk")[: CRITICAL_ALERTS_SHOWN + 1]
    )
    return Alerts(
        call=call_incoming_for_operator(user=user),
        critical=critical[:CRITICAL_ALERTS_SHOWN],
        critical_more=len(critical) > CRITICAL_ALERTS_SHOWN,
    )
