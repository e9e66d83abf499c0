"""The intake form, generated from ``placement.profile.FIELDS``.

The form only decodes what a browser sends (every value arrives as a string)
into the JSON types the profile contract speaks, the way a CSV import reads its
cells (``placement.profile.decode_value``); ``parse_profile`` alone decides what
is valid, so the form, the CSV import, the API and the CLI can never disagree.
A blank field is not given: its documented default applies (null, for the
fields that may be null).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms

from placement.profile import (
    COMMITMENTS,
    FIELDS,
    FieldSpec,
    GivenProfile,
    ProfileError,
    parse_given,
    value_text,
)
from placement.wording import choice_label

LAYER_FIELDSETS = (
    ("general", "Workload", "What it is and how much traffic arrives."),
    ("nerves", "Nerves: orchestration", "The code that routes, calls tools and waits."),
    ("brain", "Brain: inference", "Where the model runs and how much it computes."),
    ("memory", "Memory: context", "What the workload must remember, and how fast."),
    ("costs", "Costs", "Today's bill and the effort to move, for savings and payback."),
)


_BOOL_CHOICES = (("", "Derive it"), ("true", "Yes"), ("false", "No"))


def display_value(value: Any, spec: FieldSpec | None = None) -> Any:
    """A profile value as a form shows it: 3 not 3.0, blank for null.

    A bool stays a bool for a checkbox; a field that may be null is a select whose
    options are "true" and "false" (a bool there would select nothing: "Derive it").
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return value_text(value) if spec is not None and spec.nullable else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def bound_text(spec: FieldSpec) -> str:
    """The allowed range in words, e.g. 'greater than 0, at most 3,600'."""
    parts = []
    if spec.minimum is not None:
        word = "greater than" if spec.exclusive_minimum else "at least"
        parts.append(f"{word} {_number(spec.minimum)}")
    if spec.maximum is not None:
        parts.append(f"at most {_number(spec.maximum)}")
    return ", ".join(parts)


def default_text(spec: FieldSpec) -> str:
    """The documented default as a person reads it; blank when there is none to show."""
    if spec.required or spec.default is None:
        return ""
    if isinstance(spec.default, bool):
        return "on" if spec.default else "off"
    if isinstance(spec.default, (int, float)):
        return _number(spec.default)
    return str(choice_label(spec.name, spec.default)) if spec.kind == "choice" else str(spec.default)


def _form_field(spec: FieldSpec) -> forms.Field:
    attrs: dict[str, Any] = {}
    if spec.required and not spec.required_unless:
        attrs["required"] = True
    widget: forms.Widget
    if spec.kind in ("number", "integer"):
        attrs["step"] = "1" if spec.kind == "integer" else "any"
        if spec.minimum is not None and not spec.exclusive_minimum:
            attrs["min"] = f"{spec.minimum:g}"
        if spec.maximum is not None:
            attrs["max"] = f"{spec.maximum:.0f}" if float(spec.maximum).is_integer() else f"{spec.maximum:g}"
        attrs["inputmode"] = "numeric" if spec.kind == "integer" else "decimal"
        widget = forms.NumberInput(attrs=attrs)
    elif spec.kind == "bool" and not spec.nullable:
        return forms.BooleanField(label=spec.label, help_text=spec.help, required=False)
    elif spec.kind == "bool":
        widget = forms.Select(choices=_BOOL_CHOICES, attrs=attrs)
    elif spec.kind == "choice":
        choices = [(str(c), str(choice_label(spec.name, c))) for c in spec.choices]
        if spec.nullable:
            choices.insert(0, ("", "None"))
        widget = forms.Select(choices=choices, attrs=attrs)
    else:
        attrs["maxlength"] = spec.max_length
        widget = forms.TextInput(attrs=attrs)
    # CharField everywhere: typing and range checks belong to parse_profile.
    return forms.CharField(label=spec.label, help_text=spec.help, required=False, strip=False, widget=widget)


@dataclass(frozen=True)
class FieldRow:
    field: forms.BoundField
    spec: FieldSpec
    bounds: str
    default: str


class ProfileForm(forms.Form):
    """Every profile field, grouped by layer, plus the team on create."""

    def __init__(self, *args, teams=None, profile: Mapping[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        profile = profile or {}
        if teams is not None:
            self._teams = teams
            self.fields["team"] = forms.ModelChoiceField(
                queryset=teams,
                empty_label=None,
                label="Team",
                required=False,
                help_text="The team that owns this workload.",
                initial=teams.first(),
            )
            if teams.count() == 1:
                self.fields["team"].widget = forms.HiddenInput()
        for spec in FIELDS:
            self.fields[spec.name] = _form_field(spec)
            self.initial.setdefault(spec.name, display_value(profile.get(spec.name, spec.default), spec))
        # Once valid: the profile, parsed once, that the services take (and its given fields).
        self.given: GivenProfile | None = None
        self.profile_data: dict[str, Any] = {}

    def clean_team(self):
        # No choice made (a single team, or a client that omits it): the first team.
        return self.cleaned_data.get("team") or self._teams.first()

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean() returns cleaned_data, never None
        try:
            self.given = parse_given({spec.name: cleaned.get(spec.name) for spec in FIELDS}, source="text")
        except ProfileError as exc:
            for name, messages in exc.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.profile_data = self.given.fields
        return cleaned

    @property
    def given_profile(self) -> GivenProfile:
        """``given`` of a form that is_valid(), where clean() has always parsed one."""
        if self.given is None:
            raise ValueError("The form is not valid: it has no parsed profile.")
        return self.given

    def error_summary(self) -> list[dict[str, Any]]:
        """Each invalid field with its label, for the summary above the form."""
        return [
            {
                "id": self[name].auto_id,
                "name": name,
                "label": self.fields[name].label,
                "messages": " ".join(map(str, errors)),
            }
            for name, errors in self.errors.items()
            if name in self.fields
        ]

    def fieldsets(self) -> list[dict[str, Any]]:
        groups = []
        for layer, legend, description in LAYER_FIELDSETS:
            rows = [
                FieldRow(self[spec.name], spec, bound_text(spec), default_text(spec))
                for spec in FIELDS
                if spec.layer == layer
            ]
            groups.append({"layer": layer, "legend": legend, "description": description, "rows": rows})
        return groups


class HardwareForm(forms.Form):
    """Owned-hardware assumptions for the repatriation calculator; defaults from the engine."""

    server_price = forms.FloatField(
        label="Server price", min_value=0, max_value=10_000_000, help_text="USD, with networking"
    )
    gpus_per_server = forms.IntegerField(label="GPUs per server", min_value=1, max_value=16)
    lifetime_months = forms.IntegerField(
        label="Lifetime", min_value=1, max_value=120, help_text="months before a refresh"
    )
    power_kw = forms.FloatField(label="Power per server", min_value=0, max_value=100, help_text="kW")
    power_price_kwh = forms.FloatField(
        label="Power price", min_value=0, max_value=10, help_text="USD per kWh"
    )
    pue = forms.FloatField(label="PUE", min_value=1, max_value=3, help_text="cooling overhead")
    colocation_per_server = forms.FloatField(
        label="Colocation per server", min_value=0, max_value=100_000, help_text="USD a month"
    )
    ops_hours_per_server = forms.FloatField(
        label="Operations per server", min_value=0, max_value=744, help_text="hours a month"
    )

    def __init__(self, *args, hardware: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in (hardware or {}).items():
            if name in self.fields:
                whole = isinstance(value, float) and value.is_integer()
                self.fields[name].initial = int(value) if whole else value


class WhatIfForm(forms.Form):
    """The what-if sliders. Volume and duration span orders of magnitude, so their
    sliders move in powers of ten; the values a user sees and saves are rounded to
    three significant figures."""

    requests_log10 = forms.FloatField(
        label="Requests a day",
        min_value=0,
        max_value=8,
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.01"}),
    )
    wait_fraction = forms.FloatField(
        label="Wait fraction",
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.01"}),
    )
    duration_log10 = forms.FloatField(
        label="Request duration",
        min_value=-2,
        max_value=4,
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.01"}),
    )
    peak_to_average = forms.FloatField(
        label="Peak to average",
        min_value=1,
        max_value=20,
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.1"}),
    )
    # The purchase terms: blank (a client that sends only the sliders) keeps the saved ones.
    commitment = forms.ChoiceField(
        label="Commitment", required=False, choices=[(c, choice_label("commitment", c)) for c in COMMITMENTS]
    )
    spot_allowed = forms.BooleanField(
        label="Spot allowed", required=False, help_text="work that tolerates interruption"
    )

    def __init__(self, *args: Any, profile: Mapping[str, Any], **kwargs: Any):
        """``profile``: the saved, normalised profile the sliders start from."""
        self.profile = profile
        # Callers pass data (and files) positionally, never initial: the profile sets it.
        super().__init__(*args, initial=self.positions(profile), **kwargs)  # type: ignore[misc]

    @staticmethod
    def positions(profile: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "requests_log10": round(math.log10(max(profile["requests_per_day"], 1)), 2),
            "wait_fraction": profile["wait_fraction"],
            "duration_log10": round(math.log10(profile["request_duration_s"]), 2),
            "peak_to_average": min(profile["peak_to_average"], 20),
            # Profiles saved before commitments existed: on demand, no Spot (the defaults).
            "commitment": profile.get("commitment") or "none",
            "spot_allowed": bool(profile.get("spot_allowed", False)),
        }

    @property
    def changes(self) -> dict[str, float]:
        """The profile fields whose slider moved, in the profile's own units.

        A slider left where it started keeps the saved value exactly: its position
        is rounded, and a what-if must not nudge what the user did not touch.
        """
        data, start = self.cleaned_data, self.positions(self.profile)
        sliders = ("requests_log10", "wait_fraction", "duration_log10", "peak_to_average")
        moved = {name for name in sliders if abs(data[name] - start[name]) > 1e-9}
        values = {
            "requests_log10": ("requests_per_day", lambda v: _significant(10**v)),
            "wait_fraction": ("wait_fraction", lambda v: round(v, 2)),
            "duration_log10": ("request_duration_s", lambda v: _significant(10**v)),
            "peak_to_average": ("peak_to_average", lambda v: round(v, 1)),
        }
        changes = {field: convert(data[name]) for name, (field, convert) in values.items() if name in moved}
        if data.get("commitment") and data["commitment"] != start["commitment"]:
            changes["commitment"] = data["commitment"]
        if data.get("spot_allowed", False) != start["spot_allowed"]:
            changes["spot_allowed"] = bool(data.get("spot_allowed"))
        days = self.profile.get("job_deadline_days")
        if "requests_per_day" in changes and self.profile.get("job_total_requests") is not None and days:
            # A one-off job's daily rate is its volume over its deadline: the slider moves the volume.
            changes["job_total_requests"] = _significant(changes.pop("requests_per_day") * days)
        return changes

    def values(self) -> dict[str, Any]:
        """The profile values the what-if evaluates: saved ones where a control did not move."""
        fields = ("requests_per_day", "wait_fraction", "request_duration_s", "peak_to_average")
        values = {
            **{f: self.profile[f] for f in fields},
            "commitment": self.profile.get("commitment") or "none",
            "spot_allowed": bool(self.profile.get("spot_allowed", False)),
            **self.changes,
        }
        if "job_total_requests" in values and self.profile.get("job_deadline_days"):
            values["requests_per_day"] = values["job_total_requests"] / self.profile["job_deadline_days"]
        return values


def whatif_outputs(values: Mapping[str, float]) -> dict[str, str]:
    """Each slider's value as a person reads it, keyed by the slider's field name."""
    return {
        "requests_log10": f"{_significant(values['requests_per_day']):,} a day",
        "wait_fraction": f"{values['wait_fraction']:.0%}",
        "duration_log10": f"{_significant(values['request_duration_s']):,} s",
        "peak_to_average": f"{values['peak_to_average']:g}×",
    }


def whatif_terms(values: Mapping[str, Any]) -> str:
    """The purchase terms in words: 'On demand only', '1-year Savings Plans, Spot allowed'."""
    terms = str(choice_label("commitment", values.get("commitment") or "none"))
    return terms + (", Spot allowed" if values.get("spot_allowed") else "")


def _significant(value: float, digits: int = 3) -> float:
    rounded = float(f"{value:.{digits}g}")
    return int(rounded) if rounded.is_integer() else rounded
