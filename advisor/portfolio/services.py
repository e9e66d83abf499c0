"""A team's portfolio: every workload with its latest placements and monthly costs.

Read-only and scoped like every selector: a team the user is not in is a 404.
The rows come from one query whatever the number of workloads, reading only the
few keys of each latest assessment the table needs, never the whole result.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from advisor.advice_record import SUMMARY_PATHS
from advisor.models import Assessment, Team
from advisor.presentation.money import saving_text, usd
from placement.csv_cells import FormulaSafeWriter
from placement.placements import LAYER_NAMES, LAYERS, label
from placement.wording import layer_label

CURRENCY = "USD"
EXPORT_COLUMNS = (
    "workload_id",
    "name",
    *LAYERS,
    "projected_monthly_usd",
    "projected_complete",
    "current_monthly_usd",
    "saving_usd",
    "utilization",
    "wait_fraction",
    "assessed_at",
    "ruleset",
    "catalog",
)

# The stored result's keys each row needs (the read model names them), read inside the database.
_RESULT_KEYS = {
    **{name: F("__".join(("result", *path))) for name, path in SUMMARY_PATHS.items()},
    "ruleset": F("ruleset_version"),
    "catalog": F("catalog_version"),
}


@dataclass(frozen=True)
class PortfolioRow:
    workload_id: int
    name: str
    placements: dict[str, str | None]
    projected: float | None  # projected monthly USD of the priced layers
    unpriced_layers: tuple[str, ...]
    current: float | None  # today's monthly bill, when the profile gives one
    utilization: float | None
    wait_fraction: float | None
    assessed_at: datetime | None
    ruleset: str | None
    catalog: str | None

    @property
    def projected_complete(self) -> bool:
        return self.projected is not None and not self.unpriced_layers

    @property
    def saving(self) -> float | None:
        """Current minus projected; only against a complete estimate, else it would flatter."""
        if self.current is None or not self.projected_complete:
            return None
        return _cents(Decimal(str(self.current)) - Decimal(str(self.projected)))


@dataclass(frozen=True)
class PortfolioTotals:
    workloads: int
    projected: float
    projected_complete: bool
    not_fully_priced: int  # workloads whose projected figure is missing or partial
    current: float
    current_count: int
    saving: float | None
    saving_count: int
    saving_baseline: float  # the current bills the saving is measured against


def portfolio_rows(*, team: Team, sort: str = "name") -> list[PortfolioRow]:
    latest = Assessment.objects.filter(workload=OuterRef("pk")).order_by("-created_at", "-id")
    workloads = (
        team.workloads.annotate(
            latest=Subquery(latest.values(data=JSONObject(**_RESULT_KEYS))[:1], output_field=JSONField()),
            assessed_at=Subquery(latest.values("created_at")[:1]),
        )
        .values("pk", "name", "latest", "assessed_at")
        .order_by()
    )
    rows = [_row(w) for w in workloads]
    return sort_rows(rows=rows, sort=sort)


# SQLite hands JSON null and booleans inside the object back as these words.
_SQLITE_WORDS = {"null": None, "true": True, "false": False}


def _row(values: Mapping[str, Any]) -> PortfolioRow:
    data: dict[str, Any] = {
        key: _SQLITE_WORDS.get(value, value) if isinstance(value, str) else value
        for key, value in (values["latest"] or {}).items()
    }
    unpriced = data.get("unpriced") or []
    projected = data.get("projected")
    return PortfolioRow(
        workload_id=values["pk"],
        name=values["name"],
        placements={layer: data.get(layer) for layer in LAYERS},
        projected=None if projected is None else float(projected),
        unpriced_layers=tuple(unpriced) if projected is not None else (),
        current=_float(data.get("current")),
        utilization=_float(data.get("utilization")),
        wait_fraction=_float(data.get("wait_fraction")),
        assessed_at=values["assessed_at"],
        ruleset=data.get("ruleset"),
        catalog=data.get("catalog"),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _cents(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01")))


# Each sort key: (what the column is called, how a row sorts). Rows without a
# value sort last in both directions, so the missing never crowd the top.
SORTS = {
    "name": ("Workload", lambda r: r.name.casefold()),
    "brain": ("Brain", lambda r: r.placements["brain"] and label(r.placements["brain"])),
    "memory": ("Memory", lambda r: r.placements["memory"] and label(r.placements["memory"])),
    "nerves": ("Nerves", lambda r: r.placements["nerves"] and label(r.placements["nerves"])),
    "projected": ("Projected a month", lambda r: r.projected),
    "current": ("Current a month", lambda r: r.current),
    "saving": ("Saving a month", lambda r: r.saving),
}


def sort_parse(value: str | None) -> tuple[str, bool]:
    """'-projected' -> ('projected', True); anything unknown falls back to the name."""
    value = (value or "").strip()
    key, descending = value.lstrip("-"), value.startswith("-")
    return (key, descending) if key in SORTS else ("name", False)


def sort_rows(*, rows: list[PortfolioRow], sort: str) -> list[PortfolioRow]:
    key, descending = sort_parse(sort)
    value = SORTS[key][1]
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.workload_id))
    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


def portfolio_totals(*, rows: list[PortfolioRow]) -> PortfolioTotals:
    def total(amounts) -> Decimal:
        return sum((Decimal(str(a)) for a in amounts), Decimal("0"))

    with_both = [r for r in rows if r.saving is not None]
    baseline = total(r.current for r in with_both)
    return PortfolioTotals(
        workloads=len(rows),
        projected=_cents(total(r.projected for r in rows if r.projected is not None)),
        projected_complete=all(r.projected_complete for r in rows),
        not_fully_priced=sum(1 for r in rows if not r.projected_complete),
        current=_cents(total(r.current for r in rows if r.current is not None)),
        current_count=sum(1 for r in rows if r.current is not None),
        saving=_cents(baseline - total(r.projected for r in with_both)) if with_both else None,
        saving_count=len(with_both),
        saving_baseline=_cents(baseline),
    )


# --- exports -------------------------------------------------------------------


def _export_row(row: PortfolioRow) -> dict[str, Any]:
    return {
        "workload_id": row.workload_id,
        "name": row.name,
        **{layer: row.placements[layer] for layer in LAYERS},
        "projected_monthly_usd": row.projected,
        "projected_complete": row.projected_complete,
        "current_monthly_usd": row.current,
        "saving_usd": row.saving,
        "utilization": None if row.utilization is None else round(row.utilization, 6),
        "wait_fraction": row.wait_fraction,
        "assessed_at": row.assessed_at.isoformat() if row.assessed_at else None,
        "ruleset": row.ruleset,
        "catalog": row.catalog,
    }


def portfolio_export(*, team: Team, rows: list[PortfolioRow]) -> dict[str, Any]:
    """The portfolio as plain JSON data: the JSON download and the API answer alike."""
    totals = portfolio_totals(rows=rows)
    return {
        "team": {"id": team.pk, "slug": team.slug, "name": team.name},
        "generated_at": timezone.now().isoformat(),
        "currency": CURRENCY,
        "totals": {
            "workloads": totals.workloads,
            "projected_monthly_usd": totals.projected,
            "projected_complete": totals.projected_complete,
            "current_monthly_usd": totals.current,
            "workloads_with_current": totals.current_count,
            "saving_usd": totals.saving,
            "workloads_in_saving": totals.saving_count,
        },
        "workloads": [_export_row(r) for r in rows],
    }


def portfolio_csv(*, rows: list[PortfolioRow]) -> str:
    """One line per workload, the columns of EXPORT_COLUMNS; money to the cent, blanks for none."""
    out = io.StringIO()
    writer = FormulaSafeWriter(out)
    writer.writerow(EXPORT_COLUMNS)
    money = {"projected_monthly_usd", "current_monthly_usd", "saving_usd"}
    for row in rows:
        data = _export_row(row)
        writer.writerow([_csv_cell(data[c], money=c in money) for c in EXPORT_COLUMNS])
    return out.getvalue()


def _csv_cell(value: Any, *, money: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if money:
        # A number to the cent, not text, so the writer leaves a negative amount as it is: -12.50
        return Decimal(f"{value:.2f}")
    return value  # numbers stay numbers; text is quoted by the writer where it looks like a formula


# --- the page --------------------------------------------------------------------


def portfolio_context(*, rows: list[PortfolioRow]) -> dict[str, Any]:
    """Rows and totals as the page shows them: labels and amounts in words."""
    totals = portfolio_totals(rows=rows)
    return {
        "rows": [_row_text(r) for r in rows],
        "totals": totals,
        "totals_text": _totals_text(totals),
        "points": [
            {
                "name": r.name,
                "utilization": r.utilization,
                "wait_fraction": r.wait_fraction,
                "nerves": r.placements["nerves"],
            }
            for r in rows
            if r.utilization is not None and r.wait_fraction is not None and r.placements["nerves"]
        ],
    }


def _row_text(row: PortfolioRow) -> dict[str, Any]:
    return {
        "row": row,
        "placements": [
            {
                "layer": layer,
                "title": LAYER_NAMES[layer].split(" ")[0],
                "label": layer_label(layer, row.placements[layer]),
            }
            for layer in LAYERS
        ],
        "projected": _projected_text(row),
        "current": "—" if row.current is None else usd(row.current),
        "saving": _saving_words(row),
        "saving_negative": row.saving is not None and row.saving < 0,
    }


def _projected_text(row: PortfolioRow) -> dict[str, str]:
    """The amount, and what it leaves out: 'from $2.81' and '1 layer not priced'."""
    projected, unpriced = row.projected, row.unpriced_layers
    if row.assessed_at is None:
        return {"amount": "—", "note": "not assessed yet"}
    if projected is None:
        return {"amount": "not priced", "note": "no price catalog for its region"}
    if not unpriced:
        return {"amount": usd(projected), "note": ""}
    count, names = len(unpriced), ", ".join(LAYER_NAMES[layer].split(" ")[0] for layer in unpriced)
    return {
        "amount": f"from {usd(projected)}",
        "note": f"{count} layer{'s' if count > 1 else ''} not priced ({names})",
    }


def _saving_words(row: PortfolioRow) -> dict[str, str]:
    # "No bill" is already plain from the Current column: said to screen readers only.
    if row.current is None:
        return {"text": "—", "note": "", "unseen": "no current bill given"}
    if not row.projected_complete or row.projected is None:  # complete implies projected: for mypy
        return {"text": "—", "note": "estimate not complete", "unseen": ""}
    return {"text": saving_text(row.current, row.projected), "note": "", "unseen": ""}


def _totals_text(totals: PortfolioTotals) -> dict[str, str]:
    n = totals.not_fully_priced
    projected = {"amount": usd(totals.projected), "note": ""}
    if n:
        projected = {
            "amount": f"from {usd(totals.projected)}",
            "note": f"{n} workload{'s' if n > 1 else ''} not fully priced",
        }
    current = usd(totals.current) if totals.current_count else "—"
    saving = "—"
    if totals.saving is not None:
        saving = saving_text(totals.saving_baseline, totals.saving_baseline - totals.saving)
    return {
        "projected": projected["amount"],
        "projected_note": projected["note"],
        "current": current,
        "current_note": f"over {totals.current_count} of {totals.workloads} workloads with a current bill",
        "saving": saving,
        "saving_note": (
            f"over the {totals.saving_count} workload{'s' if totals.saving_count != 1 else ''} "
            "with both a current bill and a complete estimate"
        ),
    }
