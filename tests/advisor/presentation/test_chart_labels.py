"""Chart labels show names as typed: Plotly never turns a workload's name into markup.

Plotly reads a subset of HTML in text, hover text, tick labels, legend names and
annotations, so a workload named ``<a href="https://evil.example">Click me</a>``
would be a live link in the chart. Every chart (portfolio decision map, the
dashboard, what-if and the PDF's charts, which are the dashboard's) escapes the
text it takes from data; plotly.js shows the escaped text literally.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from advisor.presentation import charts
from advisor.workloads import services
from placement import advise, parse_profile, presets

LINK = '<a href="https://evil.example">Click me</a>'
ESCAPED = '&lt;a href="https://evil.example"&gt;Click me&lt;/a&gt;'


def strings(value) -> list[str]:
    """Every text in a figure's JSON, however deep."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def markup_free(figure_json: dict) -> bool:
    return not any("<a href" in text or "Click me</a>" in text for text in strings(figure_json))


def shows_escaped(figure_json: dict) -> bool:
    # The split wraps names to its boxes: a line break stands where a space was.
    return any(ESCAPED in text.replace("<br>", " ") for text in strings(figure_json))


def chart_specs(html: str) -> dict[str, dict]:
    """Each chart's JSON, keyed by chart key, as charts.js will read it."""
    found = re.findall(
        r'<script id="chart-([a-z_]+)-data" type="application/json">(.*?)</script>', html, re.S
    )
    return {key: json.loads(body) for key, body in found}


@pytest.fixture(scope="module")
def hostile_advice() -> dict:
    """Stored advice whose name and Nerves placement (and break-even curve) carry a link."""
    # Refactoring effort, so that the payback chart is drawn too.
    advice = advise(
        parse_profile({**presets.PRESETS["rag_chatbot"].profile, "name": LINK, "refactor_hours": 40})
    ).to_dict()
    assert advice["layers"]["nerves"]["placement"] == "lambda"
    return json.loads(json.dumps(advice).replace('"lambda"', json.dumps(LINK)))


def test_the_decision_map_labels_and_hover_show_the_name_escaped():
    chart = charts.decision_map(
        [
            {"name": LINK, "utilization": 0.02, "wait_fraction": 0.9, "nerves": "lambda"},
            {"name": "a & b", "utilization": 0.5, "wait_fraction": 0.1, "nerves": LINK},
        ]
    )
    assert markup_free(chart.data)
    texts = [t for trace in chart.data["data"] for t in trace["text"]]
    assert sorted(texts) == sorted([ESCAPED, "a &amp; b"])
    assert f"Nerves on {ESCAPED}" in [trace["name"] for trace in chart.data["data"]]


def test_every_workload_chart_shows_data_labels_escaped(hostile_advice):
    simulated = {"p10": 1.0, "p50": 2.0, "p90": 3.0}
    simulation = {"paths": 100, "placements": {"nerves": {LINK: {"cost": simulated}}}}
    rates = [point[0] for point in hostile_advice["economics"]["break_even"]["curve"]]
    sweep = {
        "rates": rates,
        "costs": {"nerves": {LINK: {"p10": [1.0] * len(rates), "p90": [2.0] * len(rates)}}},
    }
    built = {c.key: c for c in charts.workload_charts(hostile_advice, simulation=simulation, sweep=sweep)}
    assert set(built) >= {"split", "costs", "break_even", "payback", "repatriation"}
    for key, chart in built.items():
        assert markup_free(chart.data), key
    for key in ("split", "costs", "break_even"):  # the charts that name placements
        assert shows_escaped(built[key].data), key


@pytest.mark.django_db
def test_the_portfolio_page_sends_the_decision_map_with_the_name_escaped(owner, owner_client, team, profile):
    services.workload_create(user=owner, team=team, profile_data={**profile, "name": LINK})
    html = owner_client.get(reverse("team-portfolio", args=[team.pk])).content.decode()
    specs = chart_specs(html)
    assert set(specs) == {"decision_map"}
    assert markup_free(specs["decision_map"])
    assert [ESCAPED] == [t for trace in specs["decision_map"]["data"] for t in trace["text"]]


@pytest.mark.django_db
def test_the_dashboard_and_what_if_charts_of_a_link_named_workload_carry_no_markup(
    owner, owner_client, team, profile
):
    workload = services.workload_create(user=owner, team=team, profile_data={**profile, "name": LINK})
    dashboard = chart_specs(owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode())
    whatif = chart_specs(
        owner_client.post(
            reverse("workload-whatif", args=[workload.pk]),
            {"requests_log10": 5, "wait_fraction": 0.5, "duration_log10": 0.5, "peak_to_average": 2},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    )
    assert "split" in dashboard and "whatif_costs" in whatif
    for key, spec in {**dashboard, **whatif}.items():
        assert markup_free(spec), key
