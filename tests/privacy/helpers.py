"""A world of two callers for the privacy tests, made through the services."""

from datetime import timedelta

from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.choices import PersonalKind
from dispatch.services.personal_data import personal_erase
from tests.dispatch.helpers import call_logged, intervention_in

ALICE = "+39 02 1234 5678"
ALICE_E164 = "+390212345678"
BOB = "051 765 4321"
BOB_E164 = "+390517654321"


def two_callers(users, plant, other_plant):
    """Alice's calls: one with a closed intervention (a note on it) and a callback, one with an
    intervention still assigned, one plain, one already erased by retention; Bob's one call."""
    operator = users["operator"]
    closed = call_logged(users, plant, caller_number=ALICE, notes="Alice Rossi, flat 3, smells gas")
    done = intervention_in(S.CLOSED, users=users, plant=plant, call=closed)
    services.intervention_note_add(actor=operator, intervention=done, text="Alice's door code 4455")
    services.callback_schedule(
        actor=operator, call=closed, due_at=timezone.now() + timedelta(hours=1),
        note="Ring Alice back after the check", assigned_to=operator,
    )  # fmt: skip
    open_case = call_logged(users, plant, caller_number="02 1234 5678", notes="Alice again: still smells")
    running = intervention_in(S.ASSIGNED, users=users, plant=plant, call=open_case)
    plain = call_logged(users, plant, caller_number="0039 02 1234 5678", notes="Alice asks about the bill")
    old = call_logged(users, plant, caller_number=ALICE, notes="Alice, years ago")
    personal_erase(
        subject=old, kinds=[PersonalKind.CALLER_NUMBER, PersonalKind.NOTE], because="retention:test",
        actor=None, now=timezone.now(),
    )  # fmt: skip
    bob = call_logged(users, other_plant, caller_number=BOB, notes="Bob Bianchi, secret address")
    services.intervention_note_add(
        actor=operator, intervention=intervention_in(S.CLOSED, users=users, plant=other_plant, call=bob),
        text="Bob's gate code 9999",
    )  # fmt: skip
    return {
        "closed": closed, "done": done, "open_case": open_case, "running": running, "plain": plain,
        "old": old, "bob": bob,
    }  # fmt: skip
