"""CSV exports a spreadsheet opens as text: no cell runs as a formula, and an export imports back.

OWASP's CSV injection guidance: a cell starting with = + - @, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Google Sheets, so such text
is written after a single quote. Numbers stay numbers; the import reader removes
the quote, so names come back exactly as they were.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from advisor.models import PortfolioImport, Workload
from advisor.workloads import services
from placement.csv_cells import FormulaSafeWriter, cell_quote, cell_unquote

pytestmark = pytest.mark.django_db

FORMULA_STARTS = set("=+-@\t\r")  # OWASP's list, written out here rather than taken from the code

FORMULAS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
)
# Names that start with the quote itself must survive the quote being added and removed.
QUOTED = ("'=already quoted", "''", "'plain", "'")


@pytest.fixture(autouse=True)
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """Run the import task as a commit would (the test's transaction never commits)."""

    def request_and_commit(self, **request):
        with django_capture_on_commit_callbacks(execute=True):
            return real_request(self, **request)

    real_request = Client.request
    monkeypatch.setattr(Client, "request", request_and_commit)


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def cells(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def runnable(cell: str) -> bool:
    """A cell a spreadsheet would run: a formula start that is not simply a number."""
    if cell[:1] not in FORMULA_STARTS:
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def add(owner, team, name: str, **profile) -> Workload:
    return services.workload_create(
        user=owner, team=team, profile_data={"name": name, "requests_per_day": 2000, **profile}
    )


def upload(client: APIClient, team, content: str, *, mode: str, name: str):
    return client.post(
        f"/api/v1/teams/{team.pk}/imports/",
        {"file": SimpleUploadedFile(name, content.encode()), "mode": mode},
        format="multipart",
    )


# -- the cells -------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*FORMULAS, "\tTab", "\rReturn", "-", *QUOTED, "plain", "", "O'Brien"])
def test_a_quoted_cell_never_starts_like_a_formula_and_unquotes_to_the_text(text):
    quoted = cell_quote(text)
    assert not runnable(quoted)
    assert cell_unquote(quoted) == text


def test_numbers_are_written_as_numbers_even_when_negative():
    out = io.StringIO()
    FormulaSafeWriter(out, lineterminator="\n").writerow([-12.5, -3, 0.25, "-12.50"])
    assert out.getvalue() == "-12.5,-3,0.25,'-12.50\n"


# -- every export ----------------------------------------------------------------------


def test_the_workloads_csv_page_and_api_write_formula_names_as_text(owner, owner_client, api, team):
    for name in FORMULAS:
        add(owner, team, name)
    for response in (
        owner_client.get(f"/teams/{team.pk}/workloads.csv"),
        api.get(f"/api/v1/teams/{team.pk}/workloads.csv"),
    ):
        rows = cells(response)
        assert not [cell for row in rows for cell in row if runnable(cell)]
        names = [row[rows[0].index("name")] for row in rows[1:]]
        assert sorted(names) == sorted("'" + name for name in FORMULAS)


def test_the_portfolio_csv_writes_names_as_text_and_a_negative_saving_as_a_number(
    owner, owner_client, team, profile
):
    for name in FORMULAS:  # priced in full, and dearer than today's bill: a negative saving
        services.workload_create(
            user=owner, team=team, profile_data={**profile, "name": name, "current_monthly_cost": 0.01}
        )
    rows = cells(owner_client.get(f"/teams/{team.pk}/portfolio.csv"))
    header, lines = rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]
    assert not [cell for row in rows for cell in row if runnable(cell)]
    assert sorted(line["name"] for line in lines) == sorted("'" + name for name in FORMULAS)
    savings = [line["saving_usd"] for line in lines]
    assert all(s.startswith("-") and float(s) < 0 and s == f"{float(s):.2f}" for s in savings), savings
    assert "saving_usd" in header


def test_an_imports_errors_csv_writes_a_formula_field_name_as_text(owner, owner_client, api, team):
    bad = {"name": "Bad row", "requests_per_day": 10, FORMULAS[0]: 1}  # an unknown field, named in the errors
    content = json.dumps([{"name": "Good row", "requests_per_day": 10}, bad])
    response = upload(api, team, content, mode="valid_rows", name="p.json")
    assert response.status_code == 202, response.json()
    job = PortfolioImport.objects.get(team=team)
    rows = cells(owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/errors.csv"))
    assert rows[1:] == [["2", "'" + FORMULAS[0], "Unknown field."]]
    assert not [cell for row in rows for cell in row if runnable(cell)]


# -- the round trip --------------------------------------------------------------------


def test_an_exported_csv_imports_back_to_identical_names_and_profiles(owner, api, team, other_team, outsider):
    for index, name in enumerate(FORMULAS + QUOTED + ("Plain", "-5")):
        add(owner, team, name, wait_fraction=0.5, max_duration_s=3.5 + index, current_monthly_cost=12.5)
    exported = api.get(f"/api/v1/teams/{team.pk}/workloads.csv").content.decode()

    theirs = APIClient()
    theirs.force_authenticate(outsider)
    response = upload(theirs, other_team, exported, mode="all_or_nothing", name="alpha.csv")
    assert response.status_code == 202, response.json()
    ours = {w.name: w.profile for w in Workload.objects.filter(team=team)}
    assert {w.name: w.profile for w in Workload.objects.filter(team=other_team)} == ours
    assert set(ours) == set(FORMULAS + QUOTED + ("Plain", "-5"))

    # Into the same team again: every row finds its workload by name and changes nothing.
    again = api.get(upload(api, team, exported, mode="all_or_nothing", name="alpha.csv")["Location"]).json()
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, len(ours))
