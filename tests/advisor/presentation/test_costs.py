"""Costs on the page, in the API, the repatriation calculator, the prices page and import_prices."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from placement.pricing import PRICES_DIR, catalog_versions

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
NEWEST = f"us-east-1@{catalog_versions('us-east-1')[-1].stem}"  # assessments use the newest catalog
OFFERS = ROOT / "tests" / "placement" / "offers"
HARDWARE = {
    "server_price": 45000,
    "gpus_per_server": 4,
    "lifetime_months": 48,
    "power_kw": 1.8,
    "power_price_kwh": 0.12,
    "pue": 1.5,
    "colocation_per_server": 350,
    "ops_hours_per_server": 6,
}


def test_the_workload_page_shows_the_cost_table_and_the_calculators(owner_client, workload):
    assessment = workload.assessments.get()
    money = assessment.result["monthly_cost"]
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    assert "What it costs a month" in html
    assert f"${money['total']:,.2f}" in html
    assert "Bedrock: Input tokens" in html and "Everything on containers" in html
    assert "Break-even" in html and "rule of thumb says 15%" in html
    assert "Repatriation" in html and "TCO over 36 months" in html
    assert assessment.catalog_version == NEWEST


def test_the_api_gives_each_placement_its_monthly_cost_and_assumptions(api, owner, workload):
    listing = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/").json()
    summary = listing["results"][0] if isinstance(listing, dict) else listing[0]
    detail = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/{summary['id']}/").json()
    result = detail["result"]
    assert summary["monthly_cost"] == result["monthly_cost"]["total"] > 0
    nerves = result["costs"]["nerves"]
    assert nerves["lambda"]["total"] > 0 and nerves["lambda"]["assumptions"]
    assert {"lines", "options", "total"} <= set(nerves["fargate"])
    assert result["economics"]["break_even"]["rule_of_thumb"] == 0.15
    assert result["catalog"] == NEWEST


def test_evaluate_returns_costs_without_storing_anything(api, owner):
    from advisor.models import Assessment

    body = {"name": "x", "requests_per_day": 500, "hosted_model": "nova-lite"}
    response = api(owner).post("/api/v1/evaluate/", body, format="json")
    assert response.status_code == 200 and Assessment.objects.count() == 0
    assert response.json()["monthly_cost"]["complete"] is True


def test_an_unnamed_hosted_model_leaves_the_brain_unpriced_and_says_so(api, owner):
    response = api(owner).post("/api/v1/evaluate/", {"name": "x", "requests_per_day": 500}, format="json")
    cost = response.json()["monthly_cost"]
    assert cost["complete"] is False and cost["unpriced_layers"] == ["brain"]
    assert cost["total"] == round(sum(line["amount"] for line in cost["lines"]), 2)


def test_editing_the_hardware_recalculates_repatriation_and_stores_nothing(owner_client, workload):
    assessment = workload.assessments.get()
    url = reverse("assessment-repatriation", args=[workload.pk, assessment.pk])
    before = json.dumps(assessment.result)
    cheap = owner_client.post(
        url,
        {**HARDWARE, "server_price": 1, "colocation_per_server": 0, "ops_hours_per_server": 0, "power_kw": 0},
    )
    assert cheap.status_code == 200 and "owning pays off in month 1" in cheap.content.decode()
    assessment.refresh_from_db()
    assert json.dumps(assessment.result) == before


def test_bad_hardware_is_a_400_naming_the_field(owner_client, workload):
    assessment = workload.assessments.get()
    url = reverse("assessment-repatriation", args=[workload.pk, assessment.pk])
    response = owner_client.post(url, {**HARDWARE, "pue": 0.5})
    assert response.status_code == 400 and "greater than or equal to 1" in response.content.decode()


def test_a_viewer_may_use_the_calculator(viewer_client, workload):
    assessment = workload.assessments.get()
    url = reverse("assessment-repatriation", args=[workload.pk, assessment.pk])
    assert viewer_client.post(url, HARDWARE).status_code == 200


def test_another_teams_calculator_is_404(owner_client, other_workload):
    assessment = other_workload.assessments.get()
    url = reverse("assessment-repatriation", args=[other_workload.pk, assessment.pk])
    assert owner_client.post(url, HARDWARE).status_code == 404


def test_the_prices_page_lists_every_rate_with_its_source_and_date(owner_client, client):
    html = owner_client.get(reverse("price-list")).content.decode()
    assert "lambda.duration.x86_64" in html and "https://aws.amazon.com/lambda/pricing/" in html
    assert "2026-11-01" in html
    client.logout()
    assert client.get(reverse("price-list")).status_code == 302


def manage(*args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def prices(tmp_path):
    """The shipped catalogs as they stood when the offer fixtures were published (2026-11-15)."""
    shutil.copytree(PRICES_DIR, tmp_path / "prices")
    for later in (tmp_path / "prices").rglob("*.json"):
        if later.stem.partition("_")[0] > "2026-11-15":
            later.unlink()
    return tmp_path / "prices"


def test_import_prices_writes_a_new_catalog_version(prices):
    result = manage(
        "import_prices",
        *map(str, sorted(OFFERS.glob("A[Wm]*[a-z].json"))),
        "--region",
        "us-east-1",
        "--prices-dir",
        str(prices),
    )
    assert result.returncode == 0, result.stderr
    assert "us-east-1@2026-11-15" in result.stdout
    assert catalog_versions("us-east-1", prices)[-1].name == "2026-11-15.json"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("broken.json", "{oops", "not JSON"),
        ("s3.json", None, "is not one the advisor imports"),
    ],
)
def test_import_prices_refuses_a_bad_file_with_exit_2_and_keeps_the_catalog(
    prices, tmp_path, name, content, message
):
    path = OFFERS / "AmazonS3.json" if content is None else tmp_path / name
    if content is not None:
        path.write_text(content)
    before = sorted(p.name for p in prices.rglob("*.json"))
    result = manage("import_prices", str(OFFERS / "AWSLambda.json"), str(path), "--prices-dir", str(prices))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in prices.rglob("*.json")) == before


def test_advise_prints_the_cost_table(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"name": "bot", "requests_per_day": 2000}))
    result = manage("advise", str(profile))
    assert result.returncode == 0 and f"Monthly cost (catalog {NEWEST})" in result.stdout
    assert "break-even:" in result.stdout
