"""The router's decisions: what the phone system does with a call now, and which waiting calls
to resume when operators come free. Each answer is recorded on the call (``RoutingDecision``).

A call comes in: it is logged (``telephony``), classed, matched against the published rules,
then offered to an able operator if none waits ahead of it in its queue, else queued. The phone
system asks again when an offer fails (no answer, busy): the operator who let it ring out is
paused ("redirect on no answer", as ACDs do) and the call goes to the next. Queued calls are
resumed by the phone system's poll (``queue_resume``), highest priority first, then arrival.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from dispatch.choices import InterventionStatus, TelephonyEventType
from dispatch.models import Call, Intervention, UserProfile
from dispatch.phone_numbers import phone_number_normalize
from dispatch.services import call_changes_apply
from oncall.selectors import on_call_by_team
from routing.answers import RouteAnswer
from routing.catalogue import catalogue
from routing.choices import DecisionAction, OperatorState, PauseReason, RouteState, RuleAction
from routing.classify import caller_class_find
from routing.models import CallRoute, Line, OperatorProfile, RoutingDecision
from routing.picking import operator_pick, quoted
from routing.rules import SampleCall, rule_find, version_rules
from routing.services.consults import consult_route
from routing.services.operators import operator_state_move
from routing.waits import wait_estimate_seconds
from telephony.services import telephony_event_apply

BASE_PRIORITY = 1000
PRIORITY_PER_RANK = 100
DEFAULT_OFFER_TIMEOUT = 15
# SIP answers the phone system may give the caller when there is nothing to do.
NOBODY_CODE = 480
ACTIVE_CASE = [
    InterventionStatus.OPEN,
    InterventionStatus.ASSIGNED,
    InterventionStatus.ACKNOWLEDGED,
    InterventionStatus.ON_SITE,
]


def operator_uri(profile: OperatorProfile) -> str:
    return profile.sip_uri or f"sip:{profile.extension}"


def _caller_number(raw: str) -> str:
    """The caller's number in E.164, or empty when withheld or not a phone number (the call is
    routed all the same: a gas leak reported from a withheld number is still a gas leak)."""
    try:
        return phone_number_normalize(raw) if raw else ""
    except ValidationError:
        return ""


def _decision(route: CallRoute, *, at: datetime, action: str, reason: str, **fields: object) -> None:
    RoutingDecision.objects.create(
        route=route, at=at, attempt=route.attempts, action=action, reason=reason, **fields
    )


def _route_start(call: Call, *, at: datetime) -> CallRoute:
    plant = call.plant
    line = catalogue().lines.get(call.line)
    customer = plant.customer if plant is not None else (line.customer if line is not None else None)
    match = caller_class_find(number=call.caller_number, plant=plant, customer=customer)
    version = catalogue().active_version
    rule = None
    if version is not None:
        sample = SampleCall(
            line=call.line,
            at=at,
            number=call.caller_number,
            caller_class=match.caller_class,
            customer_id=customer.pk if customer is not None else None,
        )
        rule = rule_find(version_rules(version), sample)
    route = CallRoute(
        call=call,
        caller_class=match.caller_class,
        rule=rule,
        queue=rule.queue if rule is not None else None,
        priority=BASE_PRIORITY - PRIORITY_PER_RANK * match.caller_class.rank + (rule.priority if rule else 0),
        arrived_at=at,
    )
    prefer_manager = rule is None or rule.prefer_personal_manager
    prefer_owner = rule is None or rule.prefer_case_owner
    if prefer_manager and match.personal_manager is not None:
        manager = OperatorProfile.objects.filter(user_id=match.personal_manager.pk)
        route.preferred_id = manager.values_list("pk", flat=True).first()
    if route.preferred_id is None and prefer_owner and call.caller_number:
        owner = _case_owner(call.caller_number)
        if owner is not None:
            route.preferred_id, route.preferred_team_id = owner
    # Saved with the decision (one INSERT instead of an INSERT and an UPDATE).
    return route


def _route_save(route: CallRoute, fields: list[str]) -> None:
    if route.pk is None:
        route.save(force_insert=True)
    else:
        route.save(update_fields=fields)


_CASE_OWNER_SQL = """
SELECT op.id, op.team_id FROM {intervention} i
JOIN {call} c ON c.id = i.call_id
JOIN {profile} op ON op.user_id = c.operator_id
WHERE c.caller_number = %s AND i.status IN ({statuses})
ORDER BY i.id DESC LIMIT 1
"""


def _case_owner(number: str) -> tuple[int, int | None] | None:
    """(profile id, team id) of the operator who took the call that opened this caller's case
    still open, if any. Raw SQL: asked for every call with a number (bench_route.py)."""
    sql = _CASE_OWNER_SQL.format(
        intervention=quoted(Intervention._meta.db_table),
        call=quoted(Call._meta.db_table),
        profile=quoted(OperatorProfile._meta.db_table),
        statuses=", ".join(["%s"] * len(ACTIVE_CASE)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [number, *ACTIVE_CASE])
        row = cursor.fetchone()
    return (row[0], row[1]) if row is not None else None


def _offer(route: CallRoute, operator: OperatorProfile, *, at: datetime, reason: str) -> RouteAnswer:
    timeout = route.queue.offer_timeout_seconds if route.queue is not None else DEFAULT_OFFER_TIMEOUT
    if operator.state != OperatorState.OFFERED or operator.current_call_id != route.call_id:
        operator_state_move(
            profile=operator, state=OperatorState.OFFERED, at=at, call=route.call, keep_idle_since=True
        )
    route.state = RouteState.OFFERED
    route.operator = operator
    route.offer_expires_at = at + timedelta(seconds=timeout)
    _route_save(route, ["state", "operator", "offer_expires_at", "attempts", "queue", "overflowed_at"])
    if route.call.operator_id != operator.user_id and route.call.answered_at is None:
        # The operator's screen opens the ringing call (dispatch's alerts): who it rings at.
        call_changes_apply(
            call=route.call, actor=None, changes={"operator": operator.user}, kind="call.offered"
        )
    uri = operator_uri(operator)
    _decision(
        route,
        at=at,
        action=DecisionAction.OFFER,
        reason=reason,
        operator=operator,
        target=uri,
        queue=route.queue,
    )
    return RouteAnswer(
        action=DecisionAction.OFFER,
        uri=uri,
        agent=operator.user.get_username(),
        extension=operator.extension,
        timeout=timeout,
        priority=route.priority,
    )


def _waiting_ahead(route: CallRoute) -> int:
    """Calls in the route's queue that go before it (higher priority, or as high and earlier)."""
    since = route.enqueued_at or route.arrived_at
    where = ["state IN (%s, %s)", "queue_id = %s" if route.queue_id is not None else "queue_id IS NULL"]
    params: list[str | int | datetime | None] = [RouteState.QUEUED, RouteState.RESERVED]
    if route.queue_id is not None:
        params.append(route.queue_id)
    if route.pk is not None:
        where.append("id <> %s")
        params.append(route.pk)
    where.append("(priority > %s OR (priority = %s AND enqueued_at < %s))")
    params += [route.priority, route.priority, since]
    sql = f"SELECT COUNT(*) FROM {quoted(CallRoute._meta.db_table)} WHERE {' AND '.join(where)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _enqueue(route: CallRoute, *, at: datetime, ahead: int, reason: str) -> RouteAnswer:
    first_time = route.state != RouteState.QUEUED
    route.state = RouteState.QUEUED
    route.operator = None
    route.enqueued_at = route.enqueued_at or at
    position = ahead + 1
    estimate = wait_estimate_seconds(queue=route.queue, line=route.call.line, position=position, at=at)
    if first_time:
        route.announced_wait_seconds = estimate
    _route_save(
        route,
        [
            "state",
            "operator",
            "enqueued_at",
            "announced_wait_seconds",
            "attempts",
            "queue",
            "overflowed_at",
        ],
    )
    _decision(
        route,
        at=at,
        action=DecisionAction.QUEUE,
        reason=reason,
        queue=route.queue,
        position=position,
        estimated_wait_seconds=estimate,
    )
    return RouteAnswer(
        action=DecisionAction.QUEUE,
        position=position,
        priority=route.priority,
        estimated_wait=estimate,
        announcement=route.queue.announcement if route.queue is not None else "",
    )


def _forward(route: CallRoute, *, at: datetime) -> RouteAnswer:
    rule = route.rule
    target = rule.forward_to if rule is not None else ""
    reason = f"rule {rule}" if rule else "fallback"
    if not target:
        line = catalogue().lines.get(route.call.line)
        if line is not None and line.on_call_team_id is not None:
            target, reason = _on_call_mobile(line, at=at, reason=reason)
        if not target:
            target = line.fallback_uri if line is not None else ""
    if not target:
        route.state = RouteState.ENDED
        route.save(update_fields=["state", "attempts"])
        _decision(
            route, at=at, action=DecisionAction.REJECT, reason="forward rule without a number", target=""
        )
        return RouteAnswer(action=DecisionAction.REJECT, code=NOBODY_CODE)
    route.state = RouteState.FORWARDED
    route.finished_at = at
    _route_save(route, ["state", "finished_at", "attempts"])
    _decision(route, at=at, action=DecisionAction.FORWARD, reason=reason, target=target)
    return RouteAnswer(action=DecisionAction.FORWARD, uri=target)


def _on_call_mobile(line: Line, *, at: datetime, reason: str) -> tuple[str, str]:
    """The mobile number of whoever is on call at ``at`` for the line's team, else for its
    backup team; ("", why) when nobody on call has a number (the caller takes the fallback)."""
    team = line.on_call_team
    assert team is not None
    teams = [team.pk] + ([team.backup_team_id] if team.backup_team_id else [])
    on_call = on_call_by_team(at=at, team_ids=teams)
    numbers = dict(
        UserProfile.objects.filter(user_id__in=[uid for ids in on_call.values() for uid in ids])
        .exclude(mobile_number="")
        .values_list("user_id", "mobile_number")
    )
    for team_id in teams:
        for user_id in on_call.get(team_id, []):
            if user_id in numbers:
                backup = " (backup team)" if team_id != team.pk else ""
                return numbers[user_id], f"{reason}: on call for {team.code}{backup}, user {user_id}"
    return "", f"{reason}: nobody on call for {team.code} with a mobile number"


def _offer_failed(route: CallRoute, *, at: datetime, status: int) -> None:
    """The offered phone did not take the call (rang out, busy, declined): pause the operator
    so the next calls do not ring an empty desk, and put the call back at its place."""
    operator = OperatorProfile.objects.select_for_update().get(pk=route.operator_id or 0)
    if operator.state == OperatorState.OFFERED and operator.current_call_id == route.call_id:
        operator_state_move(
            profile=operator, state=OperatorState.PAUSED, at=at, call=route.call, reason=PauseReason.NO_ANSWER
        )
    _decision(
        route, at=at, action=DecisionAction.OFFER, reason=f"offer failed: SIP {status}", operator=operator
    )
    route.state = RouteState.QUEUED
    route.enqueued_at = route.enqueued_at or route.arrived_at
    route.operator = None


def _overflow_if_due(route: CallRoute, *, at: datetime) -> None:
    queue = route.queue
    if queue is None or queue.overflow_queue_id is None or queue.overflow_after_seconds is None:
        return
    since = route.enqueued_at or route.arrived_at
    if (at - since).total_seconds() >= queue.overflow_after_seconds:
        route.queue = queue.overflow_queue
        route.overflowed_at = at


class _FirstQuestion:
    """A call the router has never seen is routed while it is being logged, before it is saved,
    so that its first event already names the operator it rings at: one write where an update
    of the call and a second event took three (the busiest question: benchmarks/bench_route.py)."""

    def __init__(self, *, at: datetime) -> None:
        self.at = at
        self.route: CallRoute | None = None
        self.operator: OperatorProfile | None = None
        self.ahead = 0

    def rings_at(self, call: Call) -> AbstractBaseUser | None:
        route = self.route = _route_start(call, at=self.at)
        if route.rule is not None and route.rule.action == RuleAction.FORWARD:
            return None
        _overflow_if_due(route, at=self.at)
        self.ahead = _waiting_ahead(route)
        if self.ahead == 0:
            self.operator = operator_pick(route, at=self.at)
        return self.operator.user if self.operator is not None else None

    def answer(self, route: CallRoute, call: Call) -> RouteAnswer:
        route.call = call
        route.attempts = 1
        if route.rule is not None and route.rule.action == RuleAction.FORWARD:
            return _forward(route, at=self.at)
        if self.operator is not None:
            reason = "preferred operator" if self.operator.pk == route.preferred_id else "longest idle"
            return _offer(route, self.operator, at=self.at, reason=reason)
        reason = "no operator free" if self.ahead == 0 else "calls ahead"
        return _enqueue(route, at=self.at, ahead=self.ahead, reason=reason)


def route_decide(
    *,
    call_id: str,
    caller: str,
    line: str,
    at: datetime,
    attempt: int = 1,
    previous: str = "",
    previous_status: int = 0,
) -> RouteAnswer:
    """Answer the phone system's question about a call: offer, queue, forward or reject."""
    # Inside the endpoint's transaction a savepoint would only cost two round trips.
    with transaction.atomic(savepoint=False):
        consult = consult_route(call_id=call_id, caller=caller, line=line, at=at)
        if consult is not None:
            return consult
        first = _FirstQuestion(at=at)
        call, created = telephony_event_apply(
            call_id=call_id,
            event=TelephonyEventType.RING,
            occurred_at=at,
            caller_number=_caller_number(caller),
            line=line,
            rings_at=first.rings_at,
        )
        if created and first.route is not None:
            return first.answer(first.route, call)
        # A call just logged has no route yet: no need to look. Asked again (an offer failed, a
        # reserved operator is free): what the answer reads comes with the locked route.
        route = None
        if not created:
            route = (
                CallRoute.objects.select_for_update(of=("self",))
                .select_related("operator__user", "queue", "rule")
                .filter(call=call)
                .first()
            )
        if route is None:
            route = _route_start(call, at=at)
        route.call = call
        route.attempts += 1
        if route.state in (RouteState.ABANDONED, RouteState.ENDED, RouteState.CALLBACK) or call.is_ended:
            _route_save(route, ["attempts"])
            _decision(route, at=at, action=DecisionAction.REJECT, reason="call already over")
            return RouteAnswer(action=DecisionAction.REJECT, code=NOBODY_CODE)
        if route.state == RouteState.FORWARDED or (
            route.rule is not None and route.rule.action == RuleAction.FORWARD
        ):
            return _forward(route, at=at)
        if (
            previous_status >= 300
            and route.state in (RouteState.OFFERED, RouteState.RESERVED)
            and route.operator_id
        ):
            _offer_failed(route, at=at, status=previous_status)
        if route.state == RouteState.RESERVED and route.operator is not None:
            return _offer(route, route.operator, at=at, reason="operator reserved for the waiting call")
        if route.state == RouteState.OFFERED and route.operator is not None:
            # Asked again about a live offer (a retransmitted query): the same answer.
            return _offer(route, route.operator, at=at, reason="offer repeated")
        _overflow_if_due(route, at=at)
        ahead = _waiting_ahead(route)
        if ahead == 0:
            operator = operator_pick(route, at=at)
            if operator is not None:
                reason = "preferred operator" if operator.pk == route.preferred_id else "longest idle"
                return _offer(route, operator, at=at, reason=reason)
        return _enqueue(route, at=at, ahead=ahead, reason="no operator free" if ahead == 0 else "calls ahead")


def queue_resume(*, waiting: list[str], at: datetime) -> list[str]:
    """Of the calls the phone system holds, those to ask about again now: an operator is
    reserved for each (highest priority first, then the longest waiting)."""
    resume: list[str] = []
    if not waiting:
        return resume
    with transaction.atomic():
        # The calls too, skipping those an event or a route question holds: they take the call
        # first, then the route, and this would take them the other way round (the new state
        # change's foreign key locks the call at commit): a deadlock. A skipped call is next poll's.
        routes = (
            CallRoute.objects.select_for_update(skip_locked=True, of=("self", "call"))
            .filter(call__external_id__in=waiting, state__in=[RouteState.QUEUED, RouteState.RESERVED])
            .select_related("call", "queue", "queue__overflow_queue")
            .order_by("-priority", "enqueued_at", "pk")
        )
        exhausted: set[int | None] = set()
        for route in routes:
            if route.state == RouteState.RESERVED:
                resume.append(route.call.external_id or "")
                continue
            _overflow_if_due(route, at=at)
            key = route.queue_id
            if key in exhausted and route.preferred_id is None:
                continue
            operator = operator_pick(route, at=at)
            if operator is None:
                exhausted.add(key)
                if route.overflowed_at == at:
                    route.save(update_fields=["queue", "overflowed_at"])
                continue
            operator_state_move(
                profile=operator, state=OperatorState.OFFERED, at=at, call=route.call, keep_idle_since=True
            )
            route.state = RouteState.RESERVED
            route.operator = operator
            route.save(update_fields=["state", "operator", "queue", "overflowed_at"])
            resume.append(route.call.external_id or "")
    return resume
