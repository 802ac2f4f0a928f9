"""The demo's open cases are typed, so its board shows clocks; seeding again changes nothing."""

import pytest
from django.core.management import call_command

from clocks.models import CaseFile, Clock
from dispatch.models import Intervention

pytestmark = pytest.mark.django_db


def test_the_demo_types_its_open_cases_once(tmp_path):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_clocks_demo", stdout=open("/dev/null", "w"))
    open_cases = Intervention.objects.exclude(status__in=["closed", "cancelled"]).count()
    assert open_cases > 0 and CaseFile.objects.count() == open_cases
    clocks = Clock.objects.count()
    assert clocks >= open_cases

    call_command("seed_clocks_demo", stdout=open("/dev/null", "w"))
    assert CaseFile.objects.count() == open_cases and Clock.objects.count() == clocks
