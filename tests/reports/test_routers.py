"""Which database the reads go to (reports/routers.py); the real replica is tests/reports/test_replica.py."""

import warnings

import pytest

from dispatch.models import Call
from reports.routers import ReplicaRouter, iterate_from_replica, reads_alias, reads_from_replica

router = ReplicaRouter()


def test_without_a_replica_everything_reads_and_writes_the_primary(settings):
    assert "replica" not in settings.DATABASES
    with reads_from_replica() as alias:
        assert alias == "default"
        assert router.db_for_read(Call) is None
    assert router.db_for_write(Call) == "default"


@pytest.fixture
def with_replica(settings):
    """A ``replica`` alias in the settings (the router reads only its name; nothing connects)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead to unexpected behavior"
        settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    return settings


def test_with_a_replica_only_the_reports_reads_go_there(with_replica):
    assert router.db_for_read(Call) is None
    with reads_from_replica() as alias:
        assert alias == "replica"
        assert router.db_for_read(Call) == "replica"
        # Writes (and the locks a report run takes, being writes' reads) never go to the replica.
        assert router.db_for_write(Call) == "default"
    assert router.db_for_read(Call) is None
    assert router.allow_migrate("replica", "dispatch") is False
    assert router.allow_migrate("default", "dispatch") is True


def test_a_streamed_export_reads_each_row_on_the_replica_and_nothing_else(with_replica):
    seen = []

    def rows():
        for index in range(3):
            seen.append(reads_alias())
            yield index

    between = []
    for _row in iterate_from_replica(rows()):
        between.append(reads_alias())
    assert seen == ["replica"] * 3
    assert between == ["default"] * 3
