"""Schemathesis over the API's own schema (``/api/schema/``), once per role.

Each role runs every operation of the schema (examples, coverage and fuzzing phases), then the
stateful phase, which chains operations along the links Schemathesis infers between them (a
created call's ``id`` into ``GET /api/calls/{id}/`` ...). Four checks, each a promise the schema
makes: no 5xx, only documented status codes, the documented content type, a body that matches the
documented schema. The seed is fixed and the examples are bounded, so a run is the same run every
time and fits CI; ``scripts/test.sh`` runs this module on its own and prints the figures per role.

The app runs in-process (WSGI) on the test database, with the world of ``fuzz_world``. Users sign
in with API tokens (``Authorization: Token <key>``, issued as the token endpoint issues them, by
``dispatch.services.api_tokens.api_token_issue``); ``anonymous`` sends no credentials. The schema itself is
fetched as a supervisor (it is served to signed-in users only).
"""

import hypothesis
import pytest
import schemathesis
from django.db import transaction
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dispatch.services.api_tokens import api_token_issue
from routing.catalogue import catalogue_forget
from routing.waits import snapshot_cache_clear

from .conftest import FIGURES

pytestmark = pytest.mark.fuzz

ROLES = ["operator", "supervisor", "technician", "utility", "anonymous"]
SEED = 14
# Fuzzing-phase examples per operation; the examples and coverage phases add their own cases.
MAX_EXAMPLES = 15
# Scenarios and steps of the stateful phase, per role.
STATEFUL_SCENARIOS = 15
STATEFUL_MAX_STEPS = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "deterministic": True},
    "checks": {
        "enabled": False,
        **{check.__name__: {"enabled": True} for check in CHECKS},
    },
    "phases": {"stateful": {"max-steps": STATEFUL_MAX_STEPS}},
}


def auth_headers(users, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    return {"Authorization": f"Token {api_token_issue(user=users[role]).token}"}


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@pytest.fixture
def api_schema(request, fuzz_world, in_process_wsgi, figures, role):
    # Schemathesis 4.32's from_fixture() reads and renames ``node._nodeid``, which pytest 9.2
    # replaced with ``node._id``: without this the test errors before its first case.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    figures["role"] = role
    config = SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        in_process_wsgi,
        config=config,
        headers=auth_headers(fuzz_world, "supervisor"),
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api(case, role, fuzz_world):
    row = FIGURES[role]
    row["operations"].add(case.operation.label)
    row["cases"] += 1
    try:
        case.call_and_validate(headers=auth_headers(fuzz_world, role), checks=CHECKS)
    except BaseException:
        row["failures"].add(case.operation.label)
        raise


def test_api_stateful(api_schema, role, fuzz_world):
    headers = auth_headers(fuzz_world, role)
    row = FIGURES[role]
    # Links inferred between operations (an id a response gives, a parameter another takes);
    # as_state_machine() builds its rules from them.
    row["links"] = api_schema.analysis.inject_links()
    assert row["links"] > 0
    base = api_schema.as_state_machine()

    class Machine(base):  # type: ignore[valid-type,misc]
        # Every scenario meets the same world. Hypothesis replays a scenario and expects the same
        # rules to be enabled; a rule is enabled by an earlier answer (a 201 fills the bundle the
        # created row's links read), and a row a scenario created would make the replay's create
        # a 400 (a catalogue code is unique), so each scenario's writes are rolled back after it.
        def __init__(self):
            super().__init__()
            self.world = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.world)
            # The router's per-process copies may hold the rows just rolled back.
            catalogue_forget()
            snapshot_cache_clear()
            super().teardown()

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            row["cases"] += 1
            row["steps"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseException:
                row["failures"].add(f"stateful: {case.operation.label}")
                raise

    Machine.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_MAX_STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    assert row["steps"] > 0
