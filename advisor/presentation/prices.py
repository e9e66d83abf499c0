"""Price-catalog rates as a person reads them on the prices page.

A rate is kept exactly as the catalog states it (never rounded: a price that
reads cheaper than AWS bills would lie); only digit grouping is added, and
zeros after the cents that say nothing are dropped. Some catalog entries are
not prices: a fraction off on-demand reads as a percentage, an allowance or a
limit ("requests a month", "tokens ..., minimum") as a plain quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

FRACTION_UNIT_PREFIX = "fraction "
QUANTITY_UNIT_ENDINGS = (" a month", ", minimum", ", maximum")


def rate_kind(unit: str) -> str:
    """``price`` (USD per unit), ``fraction`` (a share off a price) or ``quantity`` (an allowance or limit)."""
    if unit.startswith(FRACTION_UNIT_PREFIX):
        return "fraction"
    if unit.endswith(QUANTITY_UNIT_ENDINGS):
        return "quantity"
    return "price"


def exact_amount(value: str | int | float | Decimal) -> str:
    """A catalog amount with thousands separators and every significant digit it has, at least to the cent.

    >>> exact_amount("0.0000133334"), exact_amount("0.0000150000"), exact_amount("1234.5"), exact_amount("0.20")
    ('0.0000133334', '0.000015', '1,234.50', '0.20')
    """
    number = _decimal(value)
    places = max(2, -_exponent(number.normalize()))
    return f"{number:,.{places}f}"


def quantity(value: str | int | float | Decimal) -> str:
    """A count as a reader wants it: 7,500,000,000; a fraction of a unit keeps its digits (0.5)."""
    number = _decimal(value).normalize()
    places = max(0, -_exponent(number))
    return f"{number:,.{places}f}"


def _exponent(number: Decimal) -> int:
    # as_tuple() gives a letter ('n', 'N', 'F') only for NaN and infinity, which no price is.
    return cast(int, number.as_tuple().exponent)


def percent(value: str | int | float | Decimal) -> str:
    """A fraction as a percentage, exactly: 0.28 is 28%, 0.125 is 12.5%."""
    return quantity(_decimal(value) * 100) + "%"


def price_catalogs_context(catalogs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The prices page's catalogs (``price_catalogs()``), each rate as ``rate_row`` words it."""
    return [{**catalog, "rates": [rate_row(rate) for rate in catalog["rates"]]} for catalog in catalogs]


def rate_row(rate: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog rate (with its ``key`` and ``label``) as text: its value(s), and what they are per."""
    unit, kind = rate["unit"], rate_kind(rate["unit"])
    row = {name: rate.get(name, "") for name in ("key", "label", "confidence", "source", "read_on", "note")}
    if "tiers" in rate:
        return {**row, "kind": kind, "values": _tier_texts(rate["tiers"], unit), "per": unit}
    if kind == "fraction":
        return {
            **row,
            "kind": kind,
            "values": [percent(rate["price"])],
            "per": unit.removeprefix(FRACTION_UNIT_PREFIX),
        }
    if kind == "quantity":
        return {**row, "kind": kind, "values": [quantity(rate["price"])], "per": unit}
    per = _decimal(rate.get("per") or 1)
    return {
        **row,
        "kind": kind,
        "values": ["$" + exact_amount(rate["price"])],
        "per": unit if per == 1 else f"{quantity(per)} {unit}",
    }


def _tier_texts(tiers: list[Mapping[str, Any]], unit: str) -> list[str]:
    """Volume tiers as AWS words them: the first 6,000,000,000, the next 9,000,000,000, beyond 15,000,000,000."""
    texts, start = [], Decimal(0)
    for index, tier in enumerate(tiers):
        price = "$" + exact_amount(tier["price"])
        if tier.get("size") is None:
            texts.append(f"{price} beyond {quantity(start)} {unit}" if start else price)
            continue
        size = _decimal(tier["size"])
        texts.append(f"{price} for the {'first' if index == 0 else 'next'} {quantity(size)} {unit}")
        start += size
    return texts


def _decimal(value: str | int | float | Decimal) -> Decimal:
    # str() first: a float from JSON (6000000000.0) converts to its short form, not its binary expansion.
    return value if isinstance(value, Decimal) else Decimal(str(value))
