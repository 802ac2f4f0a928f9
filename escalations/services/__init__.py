"""The escalations' writes: the chains (drafts edited and published by the supervisors,
``chains``) and the sweep that walks the runs (``sweep``). Callers import from here."""

from .chains import chain_create, chain_draft_save, chain_publish, shipped_chains_restore
from .sweep import SWEEP_BATCH, escalations_sweep, runs_start

__all__ = [
    "chain_create",
    "chain_draft_save",
    "chain_publish",
    "escalations_sweep",
    "runs_start",
    "SWEEP_BATCH",
    "shipped_chains_restore",
]
