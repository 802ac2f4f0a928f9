"""Several fleet pollers (issue 22, docs/telecontrol.md "Several pollers"): how the Modbus
plants are divided among the ``manage.py telemetry_poll`` processes.

Star-imported by ``config/settings.py``. Every poller of one database must use the same
``PRONTO_POLL_SHARDS``.
"""

import environ

_env = environ.Env()

# The plants are split into this many shards (plant id modulo it), each leased to one poller.
# More shards than pollers, by far, so the division is even; 64 is fine up to ~30 pollers.
PRONTO_POLL_SHARDS = _env.int("PRONTO_POLL_SHARDS", default=64)
# How long a poller's lease on its shards lasts without renewal (renewed every third of it):
# a dead poller's plants are taken over this long after its last renewal. 0: one and a half
# times the shortest poll interval among the plants (90 s with the shipped 60 s profiles).
PRONTO_POLL_LEASE_SECONDS = _env.float("PRONTO_POLL_LEASE_SECONDS", default=0.0)
