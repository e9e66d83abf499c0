"""A simulation's bounds have one home, the engine's (placement.simulation): the form, the API,
its schema, the service and the engine accept exactly the same paths, seeds and days."""

from __future__ import annotations

import json

import pytest

from advisor.simulations import services as simulations
from advisor.simulations.forms import SimulationForm
from advisor.simulations.serializers import SimulationRequestSerializer
from placement import simulation

PATHS = (0, 1, simulation.MAX_PATHS, simulation.MAX_PATHS + 1)
SEEDS = (-1, 0, simulation.MAX_SEED, simulation.MAX_SEED + 1, 2**32)
DAYS = (0, 1, 30, 31, 32, 366)


def engine_accepts(paths=1, seed=0, days=1) -> bool:
    try:
        simulation.engine.check_run(paths, seed, days)
    except ValueError:
        return False
    return True


def api_accepts(**values) -> bool:
    return SimulationRequestSerializer(data=values).is_valid()


def service_accepts(**values) -> bool:
    try:
        simulations._check_parameters(**{"paths": 1, "seed": 0, "days": 1, **values})
    except simulations.SimulationInputError:
        return False
    return True


@pytest.mark.parametrize("paths", PATHS)
def test_the_form_the_api_the_service_and_the_engine_accept_the_same_paths(paths):
    accepted = engine_accepts(paths=paths)
    assert SimulationForm(data={"paths": paths}).is_valid() == accepted
    assert api_accepts(paths=paths) == accepted
    assert service_accepts(paths=paths) == accepted


@pytest.mark.parametrize("seed", SEEDS)
def test_the_form_the_api_the_service_and_the_engine_accept_the_same_seeds(seed):
    accepted = engine_accepts(seed=seed)
    assert SimulationForm(data={"paths": 1, "seed": seed}).is_valid() == accepted
    assert api_accepts(seed=seed) == accepted
    assert service_accepts(seed=seed) == accepted


@pytest.mark.parametrize("days", DAYS)
def test_the_api_the_service_and_the_engine_accept_the_same_days(days):
    accepted = engine_accepts(days=days)
    assert api_accepts(days=days) == accepted
    assert service_accepts(days=days) == accepted


def test_a_simulation_is_at_most_a_month_of_days_as_the_product_says():
    assert simulation.MAX_DAYS == 31 and not engine_accepts(days=366)


def test_the_schema_states_the_engines_bounds(client, owner):
    client.force_login(owner)
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    request = schema["components"]["schemas"]["SimulationRequestRequest"]["properties"]
    assert request["days"]["maximum"] == simulation.MAX_DAYS
    assert request["days"]["default"] == simulation.DEFAULT_DAYS
    assert request["paths"]["maximum"] == simulation.MAX_PATHS
    assert request["paths"]["default"] == simulation.DEFAULT_PATHS
    assert request["seed"]["maximum"] == simulation.MAX_SEED
