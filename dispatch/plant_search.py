"""Finding the plant a caller talks about: the call screen's type-ahead.

A selector of its own module, beside ``dispatch.selectors`` (which is near the project's
500-line limit per module): it reads through the same access layer, ``plant_list_for_user``.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from dispatch.models import Call, Contact, KnownNumber, Plant
from dispatch.personal import caller_token
from dispatch.phone_numbers import phone_number_normalize
from dispatch.selectors import call_list_for_user, plant_list_for_user

# What an operator types: a code, a street, a town. Longer is not a search but a paste or a probe.
PLANT_SEARCH_QUERY_MAX = 100
PLANT_SEARCH_LIMIT = 8
# Words beyond these add nothing a person needs and each costs a condition on four columns.
_TERMS_MAX = 6
# Typed digits (with the punctuation numbers are written with) that are read as a phone number;
# fewer digits than this match too many numbers to mean one.
_NUMBER_TEXT = re.compile(r"^\+?[\d\s./()-]+$")
_NUMBER_DIGITS_MIN = 5


class PlantRank:
    """Why a plant comes where it does in the results, best first."""

    KNOWN_NUMBER = 0  # the caller's number is registered for the plant
    EARLIER_CALL = 1  # the caller has called about the plant before
    CODE_EXACT = 2
    CODE_PREFIX = 3
    OTHER = 4


@dataclass(frozen=True)
class PlantHit:
    plant: Plant
    rank: int

    @property
    def callers_plant(self) -> bool:
        return self.rank in (PlantRank.KNOWN_NUMBER, PlantRank.EARLIER_CALL)

    @property
    def by_known_number(self) -> bool:
        return self.rank == PlantRank.KNOWN_NUMBER


def plant_search_query_clean(query: str | None) -> str:
    """The typed text, trimmed; too long raises ValidationError keyed ``q``."""
    text = " ".join((query or "").split())
    if len(text) > PLANT_SEARCH_QUERY_MAX:
        raise ValidationError(
            {"q": _("Type at most %(max)d characters to find a plant.") % {"max": PLANT_SEARCH_QUERY_MAX}}
        )
    return text


def plant_search(
    *, user, query: str, caller_number: str = "", limit: int = PLANT_SEARCH_LIMIT
) -> list[PlantHit]:
    """The plants ``user`` may see that match ``query``, best first, at most ``limit``.

    A plant matches when every word of the query is in its code, name, address or municipality
    (case-insensitive), or when the query is a phone number (any written form; a part of one
    from five digits) of a contact of its customer or a number known for the plant. The caller's
    plants (a ``KnownNumber`` for ``caller_number``, then the plants of their earlier calls that
    ``user`` may see) come first, then the plant whose code is the query, then codes starting
    with it, then the rest by code. An empty query lists the caller's plants only.
    Raises ValidationError (``q``) for a query longer than ``PLANT_SEARCH_QUERY_MAX``.
    """
    text = plant_search_query_clean(query)
    known = _caller_known_numbers(caller_number)
    earlier = _caller_earlier_calls(user=user, caller_number=caller_number)
    plants = plant_list_for_user(user=user)
    if text:
        plants = plants.filter(_text_matches(text) | _number_matches(text))
    else:
        plants = plants.filter(Q(pk__in=known.values("plant_id")) | Q(pk__in=earlier.values("plant_id")))
    ranks = [
        When(pk__in=known.values("plant_id"), then=Value(PlantRank.KNOWN_NUMBER)),
        When(pk__in=earlier.values("plant_id"), then=Value(PlantRank.EARLIER_CALL)),
    ]
    if text:
        ranks += [
            When(code__iexact=text, then=Value(PlantRank.CODE_EXACT)),
            When(code__istartswith=text, then=Value(PlantRank.CODE_PREFIX)),
        ]
    ranked = plants.annotate(
        search_rank=Case(*ranks, default=Value(PlantRank.OTHER), output_field=IntegerField())
    ).order_by("search_rank", "code")
    return [PlantHit(plant=plant, rank=plant.search_rank) for plant in ranked[: max(0, limit)]]


def _text_matches(text: str) -> Q:
    matches = Q()
    for term in text.split()[:_TERMS_MAX]:
        matches &= (
            Q(code__icontains=term)
            | Q(name__icontains=term)
            | Q(address__icontains=term)
            | Q(municipality__icontains=term)
        )
    return matches


def _number_matches(text: str) -> Q:
    """Plants reached by a number typed whole (normalised to E.164) or in part (its digits)."""
    digits = re.sub(r"\D", "", text)
    if not _NUMBER_TEXT.match(text) or len(digits) < _NUMBER_DIGITS_MIN:
        return Q(pk__in=[])
    numbers = Q(number__contains=digits)
    contacts = Q(phone_number__contains=digits)
    e164 = _e164_or_empty(text)
    if e164:
        numbers |= Q(number=e164)
        contacts |= Q(phone_number=e164)
    return Q(pk__in=KnownNumber.objects.filter(numbers).values("plant_id")) | Q(
        customer_id__in=Contact.objects.filter(contacts).values("customer_id")
    )


def _e164_or_empty(number: str) -> str:
    try:
        return phone_number_normalize(number, field=None)
    except ValidationError:
        return ""


def _caller_known_numbers(caller_number: str) -> QuerySet[KnownNumber]:
    e164 = _e164_or_empty(caller_number)
    return KnownNumber.objects.filter(number=e164) if e164 else KnownNumber.objects.none()


def _caller_earlier_calls(*, user, caller_number: str) -> QuerySet[Call]:
    """The caller's calls about a plant, as far as ``user`` may see them (by the caller's token,
    as ``call_list_earlier`` finds them)."""
    token = caller_token(_e164_or_empty(caller_number))
    if not token:
        return Call.objects.none()
    return call_list_for_user(user=user).filter(caller_token=token, plant__isnull=False)
