"""Elapsed times and deadlines, always computed in UTC.

Python subtracts, adds to and compares two aware datetimes that share a ``tzinfo`` by their
wall clocks: with ``Europe/Rome`` (the zone DRF and Django forms convert incoming times to),
01:59 CET to 03:02:10 CEST on the last Sunday of March is 3,790 s by the wall clock and 190 s
in fact, and 02:50 CEST to 02:05 CET on the last Sunday of October is "before". Adding a
``timedelta`` to a local time has the same trap (the result keeps the old offset across the
change). Every elapsed time, age, wait and deadline in the code goes through these helpers.
"""

from datetime import UTC, date, datetime, timedelta


def as_utc(moment: datetime) -> datetime:
    """``moment`` as the same instant in UTC; a naive datetime is refused (its instant is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A naive datetime has no instant: make it aware first.")
    return moment.astimezone(UTC)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The real time from ``start`` to ``end`` (negative when ``end`` comes first)."""
    return as_utc(end) - as_utc(start)


def seconds_between(start: datetime, end: datetime) -> float:
    """Seconds from ``start`` to ``end``, counted in UTC whatever their zones."""
    return elapsed(start, end).total_seconds()


def shifted(moment: datetime, delta: timedelta) -> datetime:
    """``moment`` plus ``delta`` of real time, in UTC (a deadline, a cut-off)."""
    return as_utc(moment) + delta


# The years a period asked for (reports, figures, rosters, rotas) may fall in. Before 1900 a time
# zone's offset is local mean time (+00:49:56 in Rome), which no ISO 8601 reader takes, and no
# call centre's history goes back to 2000 anyway; the far end keeps dates four-digit.
PERIOD_FIRST_YEAR = 2000
PERIOD_LAST_YEAR = 2999


def period_years_valid(first: date, last: date) -> bool:
    return (
        PERIOD_FIRST_YEAR <= first.year <= PERIOD_LAST_YEAR
        and PERIOD_FIRST_YEAR <= last.year <= PERIOD_LAST_YEAR
    )
