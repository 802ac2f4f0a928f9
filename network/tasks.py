"""The network's background work: none yet (an import is one request; the reach is one query).
The module is part of every app's skeleton, imported by ``NetworkConfig.ready()``."""
