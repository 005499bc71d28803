"""Property-based fuzzing of every operation in the project's own OpenAPI schema.

schemathesis reads ``/api/v1/schema`` from the project itself (through WSGI,
in this process, inside the test's database transaction) and, for each
operation, generates valid and invalid path, query and body values. Every
answer must not be a server error and must match the schema documented for
its status. Requests carry a normal person's JWT; half of the examples aim
the path's ``{id}`` at a row that exists (see ``World``), so that the
handlers get past their 404s.

``FUZZ_MAX_EXAMPLES`` (default 30) bounds the examples per operation: the
whole directory runs in about 45 s on a quiet machine, two and a half
minutes on two busy cores.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .openapi import SCHEMA

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "30"))
CHECKS = [not_a_server_error, response_schema_conformance]

schema = SCHEMA


def fuzz_settings(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the working tree
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are reported as found
        suppress_health_check=list(HealthCheck),
    )


def call_and_validate(case, *, aim_at_real_row: bool, world, headers) -> None:
    real_id = world.id_for(case.path)
    if aim_at_real_row and real_id is not None and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = real_id
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@schema.given(aim_at_real_row=st.booleans())
@fuzz_settings(MAX_EXAMPLES)
def test_operation_never_fails_on_generated_input(case, aim_at_real_row, world):
    call_and_validate(case, aim_at_real_row=aim_at_real_row, world=world, headers=world.headers)


# The person above is refused (403) by the curator, staff and machine-only
# operations before any input is read; fuzz those again as the callers they
# serve, with half the examples.
PRIVILEGED = schema.include(path_regex=r"^/api/v1/(titles|staff|positions)")
MACHINE = schema.include(path_regex=r"^/api/v1/(gpt/profile/init|staff|positions)")


@PRIVILEGED.parametrize()
@PRIVILEGED.given(aim_at_real_row=st.booleans())
@fuzz_settings(max(1, MAX_EXAMPLES // 2))
def test_admin_operation_never_fails_on_generated_input(case, aim_at_real_row, world):
    call_and_validate(case, aim_at_real_row=aim_at_real_row, world=world, headers=world.admin_headers)


@MACHINE.parametrize()
@MACHINE.given(aim_at_real_row=st.booleans())
@fuzz_settings(max(1, MAX_EXAMPLES // 2))
def test_machine_operation_never_fails_on_generated_input(case, aim_at_real_row, world):
    call_and_validate(case, aim_at_real_row=aim_at_real_row, world=world, headers=world.machine_headers)
