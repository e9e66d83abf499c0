"""Schemathesis against the API's own ``/api/schema/``: every operation, over 1,000 requests a run.

The schema is fetched from the running app, so an operation added to the API is fuzzed
without touching this file. Each operation gets positive cases (valid by the schema) and
negative ones (invalid on purpose), and every response must be no server error and
conform to the schema: a documented status code, content type, headers and body.
Path ids are aimed at real objects half the time, so the deep endpoints are reached
rather than answering 404 to random numbers.

Generation is seeded (``FUZZ_SEED``, 0 unless set): every run sends the same requests, so a
failure is a regression that replays, never the luck of one draw. Set another seed to explore.
What must hold whatever the draw (another team's objects are never reached) is not left to
it: every operation that takes an id is also called with the first team's ids on purpose.

Requests go through Django's WSGI application in-process, inside the test's database
transaction, and each is rolled back after its answer. The transaction never commits,
so the work enqueued on commit (simulation chunks, PDF renders) never runs: what is
fuzzed is the API, not the workers or Chromium.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from advisor.accounts import services as account_services
from advisor.models import Assessment, Membership, PortfolioImport, Report, SimulationRun, Team, Workload
from advisor.simulations import services as simulations
from advisor.workloads import services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REQUESTS_PER_RUN = 1000
SECRET = "Alpha's secret roadmap bot"
PASSWORD = "fuzz-password"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Refusals that come before any lookup (a malformed body, header or media type) say
# nothing about whether the object exists; everything else about another team's is a 404.
REFUSED_BEFORE_LOOKUP = {400, 415}
EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"  # collect every failure instead of stopping
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "0"))
# Cases per operation when another team's ids are named on purpose.
AIMED_EXAMPLES = 5
PATH_PARAMETER = re.compile(r"{(\w+)}")


@dataclass
class Seeded:
    team: Team
    username: str
    token: str
    ids: dict[str, list[int]]


@dataclass
class Run:
    """What one fuzzing run sent, and what came back."""

    schema_operations: set[str]
    requests: Counter = field(default_factory=Counter)
    successes: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    statuses: dict[str, Counter] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


@pytest.fixture
def in_process_requests():
    """Call the WSGI app as Django's test client does: without closing the test's connection.

    Django closes a connection whose autocommit is off when a request starts and ends;
    inside the test's transaction that would throw the transaction away.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(in_process_requests):
    from advisor.config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def fast_passwords(settings):
    # POST /auth/token/ hashes a password on every call, even for an unknown user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alpha(fast_passwords, profile) -> Seeded:
    return _seed_team("alpha", profile={**profile, "name": SECRET})


@pytest.fixture
def beta(fast_passwords, profile) -> Seeded:
    return _seed_team("beta", profile={**profile, "name": "Beta's own intake bot"})


def _seed_team(slug: str, *, profile: dict) -> Seeded:
    team = Team.objects.create(name=f"Team {slug}", slug=slug)
    owner = get_user_model().objects.create_user(username=f"{slug}-owner", password=PASSWORD)
    Membership.objects.create(user=owner, team=team, role=Membership.Role.OWNER)
    workload = services.workload_create(user=owner, team=team, profile_data=profile)
    services.workload_create(user=owner, team=team, profile_data={**profile, "name": f"{slug} batch"})
    simulations.simulation_request(user=owner, workload=workload, paths=100, seed=1)
    # A rendered report, so the PDF itself (200) is fuzzed, not only the 202 of a queued one.
    Report.objects.create(
        assessment=workload.assessments.get(), status=Report.Status.READY, pdf=b"%PDF-1.7\n%%EOF\n"
    )
    # An import still queued, so its page and its cancel are fuzzed too (no worker ever takes it).
    queued_import = PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="json",
        mode=PortfolioImport.Mode.VALID_ROWS,
        status=PortfolioImport.Status.QUEUED,
        rows_total=1,
    )
    _, token = account_services.api_token_create(user=owner, name="fuzzer")
    workloads = Workload.objects.filter(team=team)
    ids = {
        "team_id": [team.pk],
        "workload_id": list(workloads.order_by("pk").values_list("pk", flat=True)),
        "assessment_id": list(
            Assessment.objects.filter(workload__in=workloads).order_by("pk").values_list("pk", flat=True)
        ),
        "run_id": list(
            SimulationRun.objects.filter(workload__in=workloads).order_by("pk").values_list("pk", flat=True)
        ),
        "import_id": [queued_import.pk],
    }
    return Seeded(team=team, username=owner.username, token=token, ids=ids)


@contextmanager
def _undone():
    """Roll the request back: every request meets the same seeded teams.

    A fuzzed DELETE then cannot leave the rest of the run nothing but 404s, a failing case
    replays against the same data when Hypothesis shrinks it, and a request that broke
    the transaction (a database error) breaks only itself.
    """
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(False)


def _aim(case, data, ids: dict[str, list[int]], username: str) -> None:
    """Half the time, point the case at real objects (and the token endpoint at a real user).

    Every draw happens whatever the case holds: Hypothesis replays a case by its draws and
    refuses a test whose number of draws changes from one replay to the next.
    """
    aim = data.draw(st.booleans(), label="aim at real objects")
    # One index for every id of the case: the seeded lists are in creation order, so the same
    # index names a workload and its own assessment (and, for the first, its simulation run),
    # and a nested URL reaches a real object as often as a flat one.
    index = data.draw(st.integers(min_value=0, max_value=1023), label="which object")
    for name, value in sorted((case.path_parameters or {}).items()):
        # Only a well-formed id is swapped: a negative case keeps its malformed one.
        if aim and type(value) is int and ids.get(name):
            case.path_parameters[name] = ids[name][index % len(ids[name])]
    if aim and isinstance(case.body, dict) and {"username", "password"} <= case.body.keys():
        case.body.update(username=username, password=PASSWORD)


def _fuzz(schema, *, as_: Seeded, ids: dict[str, list[int]], check: Callable | None = None) -> Run:
    operations = [result.ok() for result in schema.get_all_operations()]
    run = Run(schema_operations={operation.label for operation in operations})
    # A few more than the even share: Hypothesis stops early on an operation whose cases
    # run out (an operation without parameters has few).
    examples = math.ceil(REQUESTS_PER_RUN / len(operations)) + 5
    for operation in operations:
        _fuzz_operation(operation, run=run, examples=examples, as_=as_, ids=ids, check=check)
    return run


def _fuzz_at(schema, *, as_: Seeded, theirs: Seeded, check: Callable) -> Run:
    """Every operation that takes an id, called with another team's real objects on purpose.

    The cases are valid by the schema, so the request gets past validation to the lookup,
    and the ids name one chain of real objects (their first workload, its assessment, its
    simulation run), so a 404 can only come from the team check, not from a mismatch.
    """
    operations = [result.ok() for result in schema.get_all_operations()]
    run = Run(schema_operations={operation.label for operation in operations})
    for operation in operations:
        names = PATH_PARAMETER.findall(operation.path)
        fixed = {name: theirs.ids[name][0] for name in names if theirs.ids.get(name)}
        if fixed:
            _fuzz_operation(
                operation, run=run, examples=AIMED_EXAMPLES, as_=as_, ids={}, check=check, fixed=fixed
            )
    return run


def _fuzz_operation(
    operation,
    *,
    run: Run,
    examples: int,
    as_: Seeded,
    ids: dict[str, list[int]],
    check: Callable | None,
    fixed: dict[str, int] | None = None,
) -> None:
    if fixed:
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed)
    else:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

    @seed(FUZZ_SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=strategy, data=st.data())
    def one_request(case, data):
        cache.clear()  # throttle counters: the fuzzer is one user sending 1,000 requests a minute
        _aim(case, data, ids, as_.username)
        with _undone():
            response = case.call(headers={"Authorization": f"Bearer {as_.token}"})
        run.requests[operation.label] += 1
        run.statuses.setdefault(operation.label, Counter())[response.status_code] += 1
        if 200 <= response.status_code < 300:
            run.successes[operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
            if check is not None:
                check(case, response)
        except (BaseExceptionGroup, AssertionError) as failure:
            if not EXPLORE:
                raise
            run.failures.append((operation.label, str(failure)[:1500]))

    one_request()


def _assert_thorough(run: Run) -> None:
    for label, text in run.failures:
        print(f"===== {label}\n{text}")
    if EXPLORE:
        print("STATS", run.total, {k: (run.requests[k], run.successes[k]) for k in sorted(run.requests)})
    assert not run.failures
    assert set(run.requests) == run.schema_operations
    assert run.total >= REQUESTS_PER_RUN, run.requests
    # Aiming works: most operations were answered with success at least once.
    assert len(run.successes) >= 0.8 * len(run.schema_operations), sorted(
        run.schema_operations - set(run.successes)
    )


def test_every_operation_survives_1000_generated_requests_as_a_team_member(api_schema, alpha):
    run = _fuzz(api_schema, as_=alpha, ids=alpha.ids)

    _assert_thorough(run)


def test_another_team_survives_1000_generated_requests_and_never_sees_the_first_ones_data(
    api_schema, alpha, beta
):
    # Beta's fuzzer aims at both teams' ids: its own reach deep, alpha's must be 404s.
    ids = {name: beta.ids[name] + alpha.ids[name] for name in beta.ids}
    named_alpha = Counter()

    def isolated(case, response):
        assert SECRET.encode() not in response.content, "another team's workload leaked"
        if any(value in alpha.ids.get(name, ()) for name, value in (case.path_parameters or {}).items()):
            named_alpha[case.operation.label] += 1
            assert response.status_code == 404 or response.status_code in REFUSED_BEFORE_LOOKUP, (
                f"{case.method} {case.formatted_path} named alpha's object: {response.status_code}"
            )

    run = _fuzz(api_schema, as_=beta, ids=ids, check=isolated)
    aimed = _fuzz_at(api_schema, as_=beta, theirs=alpha, check=isolated)

    _assert_thorough(run)
    assert not aimed.failures
    # Every operation that takes an id was tried on alpha's objects, not just a few, and
    # each answered 404 at least once: the lookup ran and found nothing of beta's there.
    with_ids = {label for label in run.schema_operations if "{" in label}
    assert set(named_alpha) == with_ids, sorted(with_ids - set(named_alpha))
    refused = {label for label, statuses in aimed.statuses.items() if statuses[404]}
    assert refused == with_ids, {label: dict(aimed.statuses.get(label, {})) for label in with_ids - refused}
