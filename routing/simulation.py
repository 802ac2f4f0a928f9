"""A simulated phone system for the demo: callers, the switch's queue and the operators' phones.

It does what Kamailio and the SIPp phones do in the tests, over the same signed HTTP endpoints
(``/api/telephony/route/``, ``/api/telephony/queue/``, ``/api/telephony/events/``), so the
wallboard and the queues come alive on a bare machine. Operators whose username starts with the
simulated prefix answer after a short ring and talk for a while; anyone else (the demo's people)
is rung for the offer's timeout and then passed over, as a real switch does when nobody picks up.
Callers lose patience and hang up, or press 1 to be called back.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from telephony.signatures import telephony_signature

logger = logging.getLogger(__name__)

SIMULATED_PREFIX = "sim"
POLL_SECONDS = 0.5
DRAIN_SECONDS = 120.0


@dataclass
class SimulationSettings:
    base_url: str
    secret: str
    lines: list[str]
    numbers: list[str]
    calls_per_minute: float = 6.0
    talk_mean_seconds: float = 90.0
    ring_seconds: tuple[float, float] = (1.0, 4.0)
    patience_mean_seconds: float = 120.0
    press_one_share: float = 0.1
    seed: int | None = None


@dataclass
class SimulationCounts:
    calls: int = 0
    offered: int = 0
    answered: int = 0
    queued: int = 0
    abandoned: int = 0
    callbacks: int = 0
    forwarded: int = 0
    rejected: int = 0
    errors: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


@dataclass
class _Call:
    call_id: str
    caller: str
    line: str
    attempt: int = 0
    waiting: bool = False
    answered: bool = False
    over: bool = False


class PhoneSystemSimulator:
    def __init__(self, settings: SimulationSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.random = random.Random(settings.seed)
        self.counts = SimulationCounts()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._calls: dict[str, _Call] = {}
        self._serial = itertools.count(1)
        self._run_id = f"{int(self.clock())}"

    # -- the wire -----------------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, object]) -> dict[str, object] | None:
        body = json.dumps(payload).encode()
        stamp = str(int(self.clock()))
        request = urllib.request.Request(
            self.settings.base_url.rstrip("/") + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Pronto-Timestamp": stamp,
                "X-Pronto-Signature": telephony_signature(
                    secret=self.settings.secret, timestamp=stamp, body=body
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            self.counts.errors += 1
            logger.warning("simulate_calls: %s %s failed: %s", path, payload.get("call_id", ""), error)
            return None
        return answer if isinstance(answer, dict) else None

    def _event(self, call: _Call, event: str, agent: str = "") -> None:
        self._post(
            "/api/telephony/events/",
            {
                "call_id": call.call_id,
                "event": event,
                "timestamp": self.clock(),
                "caller": call.caller,
                "line": call.line,
                "agent": agent,
            },
        )

    # -- timers -------------------------------------------------------------------------------
    def _at(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._order), action))

    def run_due(self) -> None:
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            _when, _order, action = heapq.heappop(self._timers)
            action()

    # -- callers ------------------------------------------------------------------------------
    def call_arrive(self) -> _Call:
        call = _Call(
            call_id=f"sim-{self._run_id}-{next(self._serial)}",
            caller=self.random.choice(self.settings.numbers),
            line=self.random.choice(self.settings.lines),
        )
        self._calls[call.call_id] = call
        self.counts.calls += 1
        self._ask(call)
        return call

    def _ask(self, call: _Call, *, previous: str = "", previous_status: int = 0) -> None:
        if call.over:
            return
        call.attempt += 1
        answer = self._post(
            "/api/telephony/route/",
            {
                "call_id": call.call_id,
                "caller": call.caller,
                "line": call.line,
                "timestamp": self.clock(),
                "attempt": call.attempt,
                "previous": previous,
                "previous_status": previous_status,
            },
        )
        if answer is None:
            call.over = True
            return
        action = str(answer.get("action", ""))
        self.counts.by_action[action] = self.counts.by_action.get(action, 0) + 1
        if action == "offer":
            self._offer(call, answer)
        elif action == "queue":
            self._queue(call)
        elif action == "forward":
            self.counts.forwarded += 1
            call.over = True
        else:
            self.counts.rejected += 1
            call.over = True

    def _offer(self, call: _Call, answer: dict[str, object]) -> None:
        call.waiting = False
        agent = str(answer.get("agent", ""))
        uri = str(answer.get("uri", ""))
        timeout = float(answer.get("timeout", 15) or 15)  # type: ignore[arg-type]
        self.counts.offered += 1
        self._event(call, "offered", agent)
        if agent.startswith(SIMULATED_PREFIX):
            ring = self.random.uniform(*self.settings.ring_seconds)
            self._at(ring, lambda: self._answer(call, agent))
        else:
            # A person's desk: it rings for the offer's time; the demo has no phone to pick up.
            self._at(timeout, lambda: self._ring_out(call, uri))

    def _ring_out(self, call: _Call, uri: str) -> None:
        if not call.answered and not call.over:
            self._ask(call, previous=uri, previous_status=408)

    def _answer(self, call: _Call, agent: str) -> None:
        if call.over:
            return
        call.answered = True
        self.counts.answered += 1
        self._event(call, "answer", agent)
        mean = self.settings.talk_mean_seconds
        sigma = math.sqrt(math.log(1 + 0.8**2))
        talk = self.random.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
        self._at(talk, lambda: self._hang_up(call))

    def _hang_up(self, call: _Call) -> None:
        if not call.over:
            call.over = True
            self._event(call, "hangup")

    def _queue(self, call: _Call) -> None:
        if call.waiting:
            return
        call.waiting = True
        self.counts.queued += 1
        self._event(call, "queued")
        if self.random.random() < self.settings.press_one_share:
            self._at(self.random.uniform(5, 20), lambda: self._press_one(call))
        else:
            patience = self.random.expovariate(1 / self.settings.patience_mean_seconds)
            self._at(patience, lambda: self._abandon(call))

    def _abandon(self, call: _Call) -> None:
        if call.waiting and not call.over:
            call.waiting, call.over = False, True
            self.counts.abandoned += 1
            self._event(call, "abandoned")

    def _press_one(self, call: _Call) -> None:
        if call.waiting and not call.over:
            call.waiting, call.over = False, True
            self.counts.callbacks += 1
            self._event(call, "callback_requested")

    def queue_poll(self) -> None:
        waiting = [call.call_id for call in self._calls.values() if call.waiting and not call.over]
        if not waiting:
            return
        answer = self._post("/api/telephony/queue/", {"waiting": waiting})
        resume = answer.get("resume") if answer is not None else None
        for call_id in resume if isinstance(resume, list) else []:
            call = self._calls.get(str(call_id))
            if call is not None and call.waiting:
                self._ask(call)

    def forget_finished(self) -> None:
        self._calls = {key: call for key, call in self._calls.items() if not call.over}

    # -- the loop -----------------------------------------------------------------------------
    def run(self, *, duration: float = 0.0, stop: Callable[[], bool] = lambda: False) -> SimulationCounts:
        """Make calls until ``duration`` seconds have passed (0: until ``stop()``); with a
        duration, then let the calls in progress end (at most ``DRAIN_SECONDS``)."""
        start = self.clock()
        rate = self.settings.calls_per_minute / 60.0
        next_arrival = start + (self.random.expovariate(rate) if rate > 0 else math.inf)
        next_poll = start
        while not stop():
            now = self.clock()
            arriving = not duration or now - start < duration
            if not arriving and (not self._calls or now - start >= duration + DRAIN_SECONDS):
                break
            if arriving and now >= next_arrival:
                self.call_arrive()
                next_arrival = now + self.random.expovariate(rate)
            if now >= next_poll:
                self.queue_poll()
                self.forget_finished()
                next_poll = now + POLL_SECONDS
            self.run_due()
            time.sleep(0.05)
        return self.counts
