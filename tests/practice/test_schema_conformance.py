"""The API answers as its OpenAPI schema says (issue 19 F18), checked in-suite with schemathesis.

Every operation of the app's own schema, as every role (therapist, manager, admin, client,
each with a token), gets a few generated requests (deterministic: derandomized, no example
database, no shrinking) with the role's own ids in the path, through the WSGI app. Every
response must be no 5xx, a declared status code, a declared content type, and match the
declared schema (headers included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from practice.services import token_issue
from tests.data_sets import ROLES, build_practice_data, kind_for_kwarg

EXAMPLES_PER_OPERATION = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI handler closes the database connection after each request (request_finished),
    which on PostgreSQL would end the test's transaction; Django's own test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def load_schema():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()  # the project's own WSGI app, without setting Django up again
    return schema


def openapi_path_to_route(path: str) -> str:
    return path.lstrip("/").replace("{id}", "<int:pk>")


@dataclass
class Tally:
    requests: int = 0
    operations: set = field(default_factory=set)
    server_errors: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def run_operation(operation, *, token: str, path_parameters: dict, tally: Tally) -> None:
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case):
        cache.clear()  # sign-in throttles would otherwise answer 429 to later roles
        response = case.call(headers={"Authorization": f"Token {token}"})
        tally.requests += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{operation.label} -> {response.status_code}")
        try:
            case.validate_response(response, checks=CHECKS, headers={"Authorization": f"Token {token}"})
        except (Failure, FailureGroup) as error:  # collected, so one run reports every failure
            tally.failures.append(f"{operation.label} [{response.status_code}]: {str(error)[:600]}")

    exercise()


@pytest.mark.django_db(transaction=False)
@pytest.mark.usefixtures("wsgi_keeps_the_test_connection")
def test_every_operation_conforms_to_the_schema_for_every_role(practice):
    data = build_practice_data(practice, label="north")
    schema = load_schema()
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 75
    for role in ROLES:
        for operation in operations:
            route = openapi_path_to_route(operation.path)
            path_parameters = {}
            if "{id}" in operation.path:
                kind = kind_for_kwarg(route, "pk")
                assert kind, f"no record kind for {operation.path}: add it to tests/data_sets.py"
                path_parameters = {"id": data.ids[kind]}
            # A fresh token per operation: signing out (POST /auth/logout/) revokes only its own.
            _, token = token_issue(user=data.users[role])
            run_operation(operation, token=token, path_parameters=path_parameters, tally=tally)
            tally.operations.add(operation.label)
    print(
        f"schemathesis: {tally.requests} requests, {len(tally.operations)} operations, "
        f"{len(tally.server_errors)} 5xx, {len(tally.failures)} conformance failures"
    )
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not tally.failures, "\n\n".join(tally.failures)
