"""Which legal holds an erasure must respect: the retention side's predicate, wired here.

``privacy.services.requests.personal_request_erase`` takes ``is_held`` as a parameter; the
pages and the API pass ``PERSONAL_DATA_HELD``. The legal holds themselves
(``privacy.selectors.personal_data_held``) are built beside this, by the retention work: until
they are wired in here this is ``None`` and erasure is refused (409) rather than carried out as
if nothing were held.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from dispatch.errors import DomainError
from dispatch.models import Call, Intervention

PERSONAL_DATA_HELD: Callable[[Call | Intervention], bool] | None = None


class HoldsNotWired(DomainError):
    """Erasure asked while no legal-hold predicate is wired in."""


def personal_data_held(subject: Call | Intervention) -> bool:
    """Whether a legal hold covers ``subject``; asked by the erasure for each call and
    intervention (so the role is checked first), refused while no holds are wired in."""
    if PERSONAL_DATA_HELD is None:
        raise HoldsNotWired(_("Erasure is not available until legal holds are installed."))
    return PERSONAL_DATA_HELD(subject)
