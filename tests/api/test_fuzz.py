"""Schemathesis against our own OpenAPI document: no 500s, every answer as documented."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import make_case

FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_api_conforms_and_never_500s(app, make_user, api_token):
    supervisor = make_user("supervisor")
    make_case(app, supervisor.id)  # so small ids exist for the fuzzer to hit
    headers = api_token(supervisor.email)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report all
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
