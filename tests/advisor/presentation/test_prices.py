"""The prices page shows numbers as a person reads them, and every rate exactly as AWS states it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from advisor.presentation.prices import exact_amount, percent, quantity, rate_row
from advisor.workloads.selectors import price_catalogs


def test_quantities_are_grouped_in_thousands():
    assert quantity(1000000) == "1,000,000"
    assert quantity(7500000000.0) == "7,500,000,000"
    assert quantity("0.5") == "0.5"


def test_a_rate_keeps_every_digit_it_has_and_at_least_its_cents():
    assert exact_amount("0.0000133334") == "0.0000133334"
    assert exact_amount("0.0000150000") == "0.000015"  # the zeros after say nothing
    assert exact_amount("0.20") == "0.20" and exact_amount("3") == "3.00"
    assert exact_amount("1234.5") == "1,234.50"


def test_a_fraction_off_reads_as_a_percentage():
    assert percent("0.50") == "50%" and percent("0.125") == "12.5%"


def test_a_per_million_price_names_its_quantity_with_separators():
    row = rate_row(
        {
            "key": "lambda.requests",
            "label": "Lambda: requests",
            "price": "0.20",
            "per": 1000000,
            "unit": "requests",
        }
    )
    assert (row["values"], row["per"]) == (["$0.20"], "1,000,000 requests")


def test_tiers_read_first_next_and_beyond_with_their_unit():
    row = rate_row(
        {
            "key": "lambda.duration.arm64",
            "label": "Lambda",
            "unit": "GB-s",
            "tiers": [
                {"size": 7500000000.0, "price": "0.0000133334"},
                {"size": 11250000000.0, "price": "0.0000120001"},
                {"size": None, "price": "0.0000106667"},
            ],
        }
    )
    assert row["values"] == [
        "$0.0000133334 for the first 7,500,000,000 GB-s",
        "$0.0000120001 for the next 11,250,000,000 GB-s",
        "$0.0000106667 beyond 18,750,000,000 GB-s",
    ]


def test_allowances_and_discounts_are_not_shown_as_dollars():
    free = rate_row(
        {
            "key": "lambda.free_tier.requests",
            "label": "",
            "price": "1000000",
            "per": 1,
            "unit": "requests a month",
        }
    )
    discount = rate_row(
        {"key": "spot.fargate", "label": "", "price": "0.60", "per": 1, "unit": "fraction off on-demand"}
    )
    minimum = rate_row(
        {
            "key": "x.cache_min_tokens",
            "label": "",
            "price": "4096",
            "per": 1,
            "unit": "tokens per cache checkpoint, minimum",
        }
    )
    assert (free["values"], free["per"]) == (["1,000,000"], "requests a month")
    assert (discount["values"], discount["per"]) == (["60%"], "off on-demand")
    assert minimum["values"] == ["4,096"]


def _number(text: str) -> Decimal:
    return Decimal(re.match(r"\$?([\d,.]+)", text).group(1).replace(",", ""))


def test_no_rate_of_any_catalog_is_rounded_on_the_page():
    for catalog in price_catalogs():
        for rate in catalog["rates"]:
            row = rate_row(rate)
            stated = [t["price"] for t in rate["tiers"]] if "tiers" in rate else [rate["price"]]
            shown = [_number(v) for v in row["values"]]
            if row["kind"] == "fraction":
                shown = [v / 100 for v in shown]
            assert shown == [Decimal(s) for s in stated], rate["key"]


@pytest.mark.django_db
def test_the_prices_page_shows_grouped_quantities_and_units(owner_client):
    html = owner_client.get(reverse("price-list")).content.decode()
    assert "1,000,000 requests" in html and "1000000" not in html
    assert "$0.0000133334 for the first 7,500,000,000 GB-s" in html
    assert "7500000000" not in html and "for 7500000000" not in html
