import pytest

from routing.catalogue import catalogue_forget
from routing.waits import snapshot_cache_clear
from tests.routing.helpers import SECRET


@pytest.fixture(autouse=True)
def telephony_secret(settings):
    settings.PRONTO_TELEPHONY_SECRET = SECRET
    snapshot_cache_clear()
    catalogue_forget()
    yield
    snapshot_cache_clear()
    catalogue_forget()
