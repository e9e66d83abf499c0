"""The workload profile: the one contract shared by the form, the API and the CLI.

Every field is described once, in ``FIELDS``: its type, unit, default, bounds,
the layer it informs and a line of help. Validation, the form, the API schema
and the documentation are all generated from that table, so a new field is
added in one place.

Bounds are deliberately generous but finite: they exist to refuse nonsense
(1e308 requests a day, a request lasting a century), not to second-guess a
real workload.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from placement import regions
from placement.pricing import catalog_for_pricing, hosted_models

PATTERNS = ("steady", "business_hours", "diurnal", "spiky", "batch")
COMMITMENTS = ("none", "1y", "3y")
TRIGGERS = ("api", "event", "queue", "schedule")
INFERENCE_KINDS = ("hosted_api", "self_hosted", "none")
QUANTIZATION_BITS = (4, 8, 16, 32)
# A hosted model the catalog does not price, priced from the token rates the profile gives.
OTHER_MODEL = "other"
OTHER_MODEL_PRICES = ("hosted_input_usd_per_million_tokens", "hosted_output_usd_per_million_tokens")
LAYERS = ("general", "nerves", "brain", "memory", "costs")

_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_MODEL_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.\-_:]{0,99}$")
# How much of a client's unknown field names an error report repeats back.
MAX_UNKNOWN_NAMED = 10
MAX_NAME_ECHOED = 100
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class FieldSpec:
    """How one profile field is typed, bounded, defaulted and explained."""

    name: str
    kind: str  # text | number | integer | bool | choice
    layer: str
    label: str
    help: str
    default: Any = None
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    nullable: bool = False
    required: bool = False
    choices: tuple[Any, ...] = ()
    max_length: int = 200
    pattern: re.Pattern[str] | None = None
    # Required unless this other field is given (a one-off job's volume replaces the daily rate).
    required_unless: str = ""


def _spec(name: str, kind: str, layer: str, label: str, help: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, kind=kind, layer=layer, label=label, help=help, **kw)


FIELDS: tuple[FieldSpec, ...] = (
    # -- general: what it is and how much of it arrives ----------------------
    _spec("name", "text", "general", "Name", "A name your team recognises.", required=True, max_length=200),
    _spec(
        "region",
        "text",
        "general",
        "AWS region",
        "Region whose price catalog applies.",
        default="us-east-1",
        max_length=30,
        pattern=_REGION_RE,
    ),
    _spec(
        "requests_per_day",
        "number",
        "general",
        "Requests per day",
        "Average requests (or jobs) per day. Leave blank for a one-off job: its volume over "
        "its deadline sets it.",
        required=True,
        required_unless="job_total_requests",
        unit="requests/day",
        minimum=0,
        maximum=1e10,
    ),
    _spec(
        "job_total_requests",
        "number",
        "general",
        "One-off job: items in all",
        "Items (requests, documents, prompts) a one-off job processes in all, e.g. a backfill. "
        "Blank: a continuing workload, priced by the month.",
        default=None,
        nullable=True,
        unit="items",
        minimum=0,
        exclusive_minimum=True,
        maximum=1e13,
    ),
    _spec(
        "job_deadline_days",
        "number",
        "general",
        "One-off job: deadline",
        "Days the one-off job may take from start to finish (required with its volume).",
        default=None,
        nullable=True,
        unit="days",
        minimum=0,
        exclusive_minimum=True,
        maximum=3_650,
    ),
    _spec(
        "data_residency",
        "bool",
        "general",
        "Data stays in the region",
        "Data must not leave the region: no cross-region inference, and no service or model "
        "the region does not offer.",
        default=False,
    ),
    _spec(
        "peak_to_average",
        "number",
        "general",
        "Peak to average",
        "Peak request rate divided by the average rate while traffic is on.",
        default=3.0,
        unit="ratio",
        minimum=1,
        maximum=10_000,
    ),
    _spec(
        "pattern",
        "choice",
        "general",
        "Traffic pattern",
        "Shape of traffic over time.",
        default="steady",
        choices=PATTERNS,
    ),
    _spec(
        "trigger",
        "choice",
        "general",
        "Trigger",
        "Synchronous API call, or asynchronous event, queue or schedule.",
        default="api",
        choices=TRIGGERS,
    ),
    # -- nerves: the orchestration ----------------------------------------------
    _spec(
        "request_duration_s",
        "number",
        "nerves",
        "Request duration",
        "Average wall-clock time of one request's orchestration, waits included.",
        default=2.0,
        unit="s",
        minimum=0,
        exclusive_minimum=True,
        maximum=31_536_000,
    ),
    _spec(
        "max_duration_s",
        "number",
        "nerves",
        "Worst-case duration",
        "p99 wall-clock time of one request. Blank: twice the average.",
        default=None,
        nullable=True,
        unit="s",
        minimum=0,
        exclusive_minimum=True,
        maximum=31_536_000,
    ),
    _spec(
        "wait_fraction",
        "number",
        "nerves",
        "Wait fraction",
        "Share of the request spent waiting on APIs, databases or models (0 to 1).",
        default=0.5,
        unit="0..1",
        minimum=0,
        maximum=1,
    ),
    _spec(
        "orchestration_steps",
        "integer",
        "nerves",
        "Orchestration steps",
        "Steps or tool calls per request.",
        default=1,
        unit="steps",
        minimum=0,
        maximum=10_000,
    ),
    _spec(
        "memory_mb",
        "integer",
        "nerves",
        "Memory",
        "Memory the orchestration code needs.",
        default=512,
        unit="MB",
        minimum=128,
        maximum=262_144,
    ),
    _spec(
        "pre_post_processing_ms",
        "number",
        "nerves",
        "Pre/post-processing CPU",
        "CPU time per request for sanitising, PII masking, JSON repair.",
        default=0.0,
        unit="ms",
        minimum=0,
        maximum=3_600_000,
    ),
    _spec(
        "human_wait_hours",
        "number",
        "nerves",
        "Longest human wait",
        "Longest pause for a person or an outside event (0: none).",
        default=0.0,
        unit="h",
        minimum=0,
        maximum=8_760,
    ),
    _spec(
        "state_kb",
        "number",
        "nerves",
        "State between steps",
        "State carried from one step to the next.",
        default=4.0,
        unit="KB",
        minimum=0,
        maximum=10_485_760,
    ),
    _spec(
        "payload_kb",
        "number",
        "nerves",
        "Largest request or answer",
        "Largest body one call sends or receives (a document, an image, a long answer).",
        default=32.0,
        unit="KB",
        minimum=0,
        maximum=10_485_760,
    ),
    _spec(
        "latency_slo_ms",
        "number",
        "nerves",
        "Latency target (p95)",
        "End-to-end p95 target for synchronous calls. Blank: none.",
        default=None,
        nullable=True,
        unit="ms",
        minimum=0,
        exclusive_minimum=True,
        maximum=3_600_000,
    ),
    _spec(
        "streaming", "bool", "nerves", "Streams tokens", "Tokens are streamed to the client.", default=False
    ),
    _spec(
        "websocket_session_minutes",
        "number",
        "nerves",
        "WebSocket session length",
        "Length of a held client connection (0: none).",
        default=0.0,
        unit="min",
        minimum=0,
        maximum=10_080,
    ),
    # -- brain: the inference ----------------------------------------------------
    _spec(
        "inference",
        "choice",
        "brain",
        "Inference",
        "Where the model runs today or is planned.",
        default="hosted_api",
        choices=INFERENCE_KINDS,
    ),
    _spec(
        "hosted_model",
        "text",
        "brain",
        "Hosted model",
        'Catalog key of a hosted model, e.g. claude-haiku-4.5, or "other" for a model the '
        "catalog does not price, with its token prices below.",
        default=None,
        nullable=True,
        max_length=100,
        pattern=_MODEL_KEY_RE,
    ),
    _spec(
        "hosted_input_usd_per_million_tokens",
        "number",
        "brain",
        "Input token price",
        'Price of a million input tokens, for hosted model "other" (required then).',
        default=None,
        nullable=True,
        unit="USD/million tokens",
        minimum=0,
        maximum=100_000,
    ),
    _spec(
        "hosted_output_usd_per_million_tokens",
        "number",
        "brain",
        "Output token price",
        'Price of a million output tokens, for hosted model "other" (required then).',
        default=None,
        nullable=True,
        unit="USD/million tokens",
        minimum=0,
        maximum=100_000,
    ),
    _spec(
        "model_params_b",
        "number",
        "brain",
        "Model parameters",
        "Parameters in billions, for a self-hosted model.",
        default=0.0,
        unit="billion",
        minimum=0,
        maximum=10_000,
    ),
    _spec(
        "quantization_bits",
        "choice",
        "brain",
        "Quantisation",
        "Weight precision of a self-hosted model.",
        default=16,
        unit="bits",
        choices=QUANTIZATION_BITS,
    ),
    _spec(
        "gpu_required",
        "bool",
        "brain",
        "Needs a GPU",
        "Blank: derived from the model size.",
        default=None,
        nullable=True,
    ),
    _spec(
        "input_tokens",
        "integer",
        "brain",
        "Input tokens",
        "Tokens sent per request.",
        default=1000,
        unit="tokens",
        minimum=0,
        maximum=10_000_000,
    ),
    _spec(
        "repeated_prompt_share",
        "number",
        "brain",
        "Repeated share of the prompt",
        "Share of each request's input tokens that is the same from one request to the next "
        "(a system prompt, tool definitions, a shared document): what prompt caching can serve.",
        default=0.0,
        unit="0..1",
        minimum=0,
        maximum=1,
    ),
    _spec(
        "output_tokens",
        "integer",
        "brain",
        "Output tokens",
        "Tokens generated per request.",
        default=300,
        unit="tokens",
        minimum=0,
        maximum=10_000_000,
    ),
    _spec(
        "inference_seconds",
        "number",
        "brain",
        "Inference time",
        "Model compute time per request, for a self-hosted model.",
        default=0.0,
        unit="s",
        minimum=0,
        maximum=86_400,
    ),
    _spec(
        "cold_start_tolerance_s",
        "number",
        "brain",
        "Cold-start tolerance",
        "Longest cold start a caller accepts.",
        default=5.0,
        unit="s",
        minimum=0,
        maximum=3_600,
    ),
    # -- memory: the context -----------------------------------------------------
    _spec(
        "hot_context_gb",
        "number",
        "memory",
        "Hot context",
        "Context that must stay hot in RAM.",
        default=0.0,
        unit="GB",
        minimum=0,
        maximum=100_000,
    ),
    _spec(
        "vector_count",
        "integer",
        "memory",
        "Vectors",
        "Vectors in the retrieval index.",
        default=0,
        unit="vectors",
        minimum=0,
        maximum=100_000_000_000,
    ),
    _spec(
        "embedding_dim",
        "integer",
        "memory",
        "Embedding dimensions",
        "Dimensions of one embedding.",
        default=0,
        unit="dims",
        minimum=0,
        maximum=65_536,
    ),
    _spec(
        "retrieval_latency_ms",
        "number",
        "memory",
        "Retrieval latency target",
        "Target for one context lookup. Blank: none.",
        default=None,
        nullable=True,
        unit="ms",
        minimum=0,
        exclusive_minimum=True,
        maximum=600_000,
    ),
    # -- costs: what it costs today and what moving costs ----------------------
    _spec(
        "current_monthly_cost",
        "number",
        "costs",
        "Current monthly cost",
        "Today's bill for this workload, for the saving. Blank: unknown.",
        default=None,
        nullable=True,
        unit="USD/month",
        minimum=0,
        maximum=1e10,
    ),
    _spec(
        "refactor_hours",
        "number",
        "costs",
        "Refactoring effort",
        "Engineering hours to move to the recommended split.",
        default=0.0,
        unit="h",
        minimum=0,
        maximum=1_000_000,
    ),
    _spec(
        "hourly_rate",
        "number",
        "costs",
        "Hourly rate",
        "Cost of one engineering hour.",
        default=100.0,
        unit="USD/h",
        minimum=0,
        maximum=100_000,
    ),
    _spec(
        "horizon_months",
        "integer",
        "costs",
        "Horizon",
        "Months for TCO and repatriation.",
        default=36,
        unit="months",
        minimum=1,
        maximum=240,
    ),
    _spec(
        "commitment",
        "choice",
        "costs",
        "Commitment",
        "What the team will commit to: on demand only, or 1-year or 3-year Savings Plans "
        "(Compute Savings Plans for Lambda, Fargate and EC2; SageMaker Savings Plans).",
        default="none",
        choices=COMMITMENTS,
    ),
    _spec(
        "spot_allowed",
        "bool",
        "costs",
        "Spot allowed",
        "Work that tolerates interruption may run on Spot capacity (EC2 Spot, Fargate Spot).",
        default=False,
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class WorkloadProfile:
    """A validated, normalised workload. Build it with ``parse_profile``."""

    name: str
    requests_per_day: float
    region: str = "us-east-1"
    job_total_requests: float | None = None
    job_deadline_days: float | None = None
    data_residency: bool = False
    peak_to_average: float = 3.0
    pattern: str = "steady"
    trigger: str = "api"
    request_duration_s: float = 2.0
    max_duration_s: float = 4.0
    wait_fraction: float = 0.5
    orchestration_steps: int = 1
    memory_mb: int = 512
    pre_post_processing_ms: float = 0.0
    human_wait_hours: float = 0.0
    state_kb: float = 4.0
    payload_kb: float = 32.0
    latency_slo_ms: float | None = None
    streaming: bool = False
    websocket_session_minutes: float = 0.0
    inference: str = "hosted_api"
    hosted_model: str | None = None
    hosted_input_usd_per_million_tokens: float | None = None
    hosted_output_usd_per_million_tokens: float | None = None
    model_params_b: float = 0.0
    quantization_bits: int = 16
    gpu_required: bool | None = None
    input_tokens: int = 1000
    repeated_prompt_share: float = 0.0
    output_tokens: int = 300
    inference_seconds: float = 0.0
    cold_start_tolerance_s: float = 5.0
    hot_context_gb: float = 0.0
    vector_count: int = 0
    embedding_dim: int = 0
    retrieval_latency_ms: float | None = None
    current_monthly_cost: float | None = None
    refactor_hours: float = 0.0
    hourly_rate: float = 100.0
    horizon_months: int = 36
    commitment: str = "none"
    spot_allowed: bool = False

    @property
    def one_off(self) -> bool:
        """A job with a total volume and a deadline, priced as a total rather than a month."""
        return self.job_total_requests is not None

    def to_dict(self) -> dict[str, Any]:
        # Every field is a str, number, bool or None: a copy is what asdict would give,
        # at a tenth of its cost (advise asks for it several times per profile).
        return dict(self.__dict__)


def varied(profile: WorkloadProfile, **changes: Any) -> WorkloadProfile:
    """The profile with some fields changed, for the engine's own searches: the new values come
    from the engine, not from a user, so they are not checked again."""
    return replace(profile, **changes)


@dataclass(frozen=True)
class GivenProfile:
    """A profile as a client gave it, checked once: what to store and what to advise on.

    ``fields`` holds the given fields, cleaned (a given null stays null; fields not
    given stay absent, so they keep following their documented default); ``profile``
    is the normalised profile the engine reads. Services take this rather than parse
    the same data again.
    """

    fields: dict[str, Any]
    profile: WorkloadProfile


class ProfileError(ValueError):
    """Every problem found in a profile, keyed by field name."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()))


def defaults() -> dict[str, Any]:
    """The documented default of every optional field."""
    return {f.name: f.default for f in FIELDS if not f.required}


def parse_profile(data: Any) -> WorkloadProfile:
    """Validate raw JSON-like data and return a normalised profile.

    Raises ProfileError listing every problem, each under its field name
    (``non_field_errors`` for problems of the whole object).
    """
    if not isinstance(data, Mapping):
        raise ProfileError({"non_field_errors": ["A profile must be a JSON object."]})
    errors = unknown_field_errors(data, FIELDS_BY_NAME)
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name not in data:
            if spec.required and data.get(spec.required_unless) is None:
                errors.setdefault(spec.name, []).append("This field is required.")
            continue
        try:
            values[spec.name] = clean_value(spec, data[spec.name])
        except ValueError as exc:
            errors.setdefault(spec.name, []).append(str(exc))
    _check_cross_field(values, errors)
    _check_one_off_job(values, errors)
    _check_hosted_model(values, errors)
    if errors:
        raise ProfileError(errors)
    return _normalise(values)


def parse_given(data: Any, *, source: str = "json") -> GivenProfile:
    """Decode (``decode_value``), validate and normalise a profile once. Raises ProfileError.

    ``source="text"``: every value is text as a form field or a CSV cell holds it.

        >>> given = parse_given({"name": "bot", "requests_per_day": "2000", "streaming": "yes"},
        ...                     source="text")
        >>> given.fields, given.profile.streaming
        ({'name': 'bot', 'requests_per_day': 2000.0, 'streaming': True}, True)
    """
    if isinstance(data, Mapping):
        data = decode_profile(data, source=source)
    profile = parse_profile(data)
    normalised = profile.to_dict()
    # A given null (e.g. "no latency target", "worst case: derive it") stays null
    # rather than freezing the value derived from it today.
    return GivenProfile({key: None if data[key] is None else normalised[key] for key in data}, profile)


def decode_profile(data: Mapping[str, Any], *, source: str = "json") -> dict[str, Any]:
    """The JSON values ``data`` stands for, fields decoded as omitted left out (unknown keys as given)."""
    decoded = {}
    for key, raw in data.items():
        spec = FIELDS_BY_NAME.get(key)
        value = raw if spec is None else decode_value(spec, raw, source=source)
        if value is not OMITTED:
            decoded[key] = value
    return decoded


def unknown_field_errors(data: Mapping[str, Any], known: Collection[str]) -> dict[str, list[str]]:
    """``{name: ["Unknown field."]}`` for the first few keys of ``data`` not in ``known``.

    However many keys a client sends (600,000 took 10-19 s and a 30 MB answer when each
    was named), the work and the report stay small: the unknown keys are counted from
    the known ones present, at most MAX_UNKNOWN_NAMED are named, and one line says how
    many there were in all.

        >>> unknown_field_errors({"name": "x", "colour": "blue"}, {"name"})
        {'colour': ['Unknown field.']}
    """
    unknown = len(data) - sum(1 for name in known if name in data)
    named = itertools.islice((key for key in data if key not in known), MAX_UNKNOWN_NAMED)
    errors: dict[str, list[str]] = {}
    for key in named:
        errors.setdefault(_echo_name(key), []).append("Unknown field.")
    if unknown > MAX_UNKNOWN_NAMED:
        errors.setdefault("non_field_errors", []).append(
            f"{unknown:,} unknown fields in all; the first {MAX_UNKNOWN_NAMED} are named."
        )
    return errors


def _echo_name(key: Any) -> str:
    # Echoed back, so cut short and without NUL or lone surrogates, which neither JSON
    # columns, the JSON renderer nor logs take well.
    name = str(key)
    text = name[:MAX_NAME_ECHOED] + ("…" if len(name) > MAX_NAME_ECHOED else "")
    return _UNSTORABLE.sub("\ufffd", text)


# -- decoding: one reading of a value, whichever door it came through ----------------


class _Omitted:
    """A blank form field or CSV cell: not given, so the documented default applies."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED: Any = _Omitted()
SOURCES = ("json", "text")
NULL_TEXT = "null"
TRUE_TEXTS = ("true", "yes", "1")
FALSE_TEXTS = ("false", "no", "0")
# What a person types for a number: ASCII digits, a sign, a point, an exponent. Not
# "1_000" or full-width digits, which Python's int() and float() would also take.
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_NON_FINITE_TEXT = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_MAX_INTEGER_DIGITS = 300  # int() of a longer text is slow (and refused past 4,300 digits)


def decode_value(spec: FieldSpec, raw: Any, *, source: str = "json") -> Any:
    """The JSON value ``raw`` stands for, or ``OMITTED``; ``clean_value`` then judges it.

    ``source="json"``: an API body or a JSON file, already typed: taken as it is.
    ``source="text"``: a form field or a CSV cell. Blank means not given (the default
    applies); ``null`` an explicit null where the field may be null; a bool reads
    true/yes/1 or false/no/0; a number (or a numeric choice) ASCII digits with an
    optional sign, point and exponent. Text that reads as none of these is passed on
    as it is, so ``clean_value`` refuses it with the words it gives a JSON client
    (a string where a number belongs: "Must be a number.").

        >>> streaming, steps = FIELDS_BY_NAME["streaming"], FIELDS_BY_NAME["orchestration_steps"]
        >>> decode_value(streaming, " Yes ", source="text"), decode_value(steps, "3", source="text")
        (True, 3)
        >>> decode_value(steps, "", source="text"), decode_value(steps, "1_000", source="text")
        (OMITTED, '1_000')
    """
    if source == "json":
        return raw
    if source != "text":
        raise ValueError(f"Unknown source {source!r}: one of {', '.join(SOURCES)}.")
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return OMITTED
    if spec.nullable and text.lower() == NULL_TEXT:
        return None
    if spec.kind == "bool":
        return _text_bool(text)
    if spec.kind in ("number", "integer"):
        return _text_number(text)
    if spec.kind == "choice":
        return _text_choice(spec, text)
    return text


def _text_bool(text: str) -> bool | str:
    lowered = text.lower()
    if lowered in TRUE_TEXTS:
        return True
    if lowered in FALSE_TEXTS:
        return False
    return text


def _text_number(text: str) -> int | float | str:
    if _NON_FINITE_TEXT.fullmatch(text):
        return float(text)  # for clean_value to refuse in its own words, as from JSON
    if not _NUMBER_TEXT.fullmatch(text):
        return text
    # Integers stay integers, so a file exported from stored profiles reads back identical.
    if "." not in text and "e" not in text.lower() and len(text) <= _MAX_INTEGER_DIGITS:
        return int(text)
    return float(text)


def _text_choice(spec: FieldSpec, text: str) -> Any:
    for choice in spec.choices:
        if str(choice) == text:
            return choice
    if all(isinstance(choice, int) for choice in spec.choices):
        return _text_number(text)  # 16.0 is the same precision as 16, as in JSON
    return text


def value_text(value: Any) -> str:
    """A profile value as text that ``decode_value(source="text")`` reads back to the same value.

    >>> [value_text(v) for v in (None, True, 3.0, 0.1, 16, "us-east-1")]
    ['null', 'true', '3.0', '0.1', '16', 'us-east-1']
    """
    if value is None:
        return NULL_TEXT
    if isinstance(value, bool):
        return TRUE_TEXTS[0] if value else FALSE_TEXTS[0]
    # repr: the shortest text that reads back as the same float.
    return repr(value) if isinstance(value, float) else str(value)


def clean_value(spec: FieldSpec, value: Any) -> Any:
    """Return ``value`` checked against ``spec``, or raise ValueError saying why."""
    if value is None:
        if spec.nullable:
            return None
        raise ValueError("This field may not be null.")
    cleaner = _CLEANERS[spec.kind]
    return cleaner(spec, value)


def _clean_text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Must be a string.")
    if "\x00" in value:
        raise ValueError("Must not contain NUL characters.")
    value = value.strip()
    if spec.required and not value:
        raise ValueError("May not be blank.")
    if len(value) > spec.max_length:
        raise ValueError(f"At most {spec.max_length} characters.")
    if spec.pattern is not None and not spec.pattern.match(value):
        raise ValueError(f"{value[:40]!r} is not a valid {spec.label.lower()}.")
    return cast(str, value)  # a str since the isinstance check; `value` is declared Any


def _clean_number(spec: FieldSpec, value: Any) -> float:
    # bool is an int in Python; true/false is never a quantity.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Must be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Must be a finite number (no NaN or Infinity).")
    _check_bounds(spec, value)
    return float(value)


def _clean_integer(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Must be a whole number.")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError("Must be a whole number.")
    _check_bounds(spec, value)
    return int(value)


def _clean_bool(spec: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be true or false.")
    return value


def _clean_choice(spec: FieldSpec, value: Any) -> Any:
    for choice in spec.choices:
        # 16 and 16.0 are the same precision; "16" and True are not.
        if type(value) is type(choice) or (
            isinstance(choice, int) and isinstance(value, float) and value.is_integer()
        ):
            if value == choice:
                return choice
    allowed = ", ".join(str(c) for c in spec.choices)
    raise ValueError(f"Must be one of: {allowed}.")


_CLEANERS = {
    "text": _clean_text,
    "number": _clean_number,
    "integer": _clean_integer,
    "bool": _clean_bool,
    "choice": _clean_choice,
}


def _check_bounds(spec: FieldSpec, value: float) -> None:
    unit = f" {spec.unit}" if spec.unit and not spec.unit.startswith("0..") else ""
    if spec.minimum is not None:
        if spec.exclusive_minimum and value <= spec.minimum:
            raise ValueError(f"Must be greater than {_fmt(spec.minimum)}{unit}.")
        if value < spec.minimum:
            raise ValueError(f"Must be at least {_fmt(spec.minimum)}{unit}.")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"Must be at most {_fmt(spec.maximum)}{unit}.")


def _fmt(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:g}"


def _check_cross_field(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    duration = values.get("request_duration_s", FIELDS_BY_NAME["request_duration_s"].default)
    worst = values.get("max_duration_s")
    if worst is not None and duration is not None and worst < duration:
        errors.setdefault("max_duration_s", []).append("Must be at least the average request duration.")


def _check_one_off_job(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """A one-off job gives its volume and its deadline; its daily rate follows from them."""
    total, days = values.get("job_total_requests"), values.get("job_deadline_days")
    if total is not None and days is None and "job_deadline_days" not in errors:
        errors.setdefault("job_deadline_days", []).append(
            "Required for a one-off job: the days it may take set its daily rate."
        )
    if days is not None and total is None and "job_total_requests" not in errors:
        errors.setdefault("job_total_requests", []).append(
            "Required with a deadline: the items the one-off job processes in all."
        )
    daily = values.get("requests_per_day")
    # A normalised profile carries the derived rate; only a different one is a contradiction.
    if (
        total is not None
        and days is not None
        and daily is not None
        and not math.isclose(daily, total / days, rel_tol=1e-9)
    ):
        errors.setdefault("requests_per_day", []).append(
            "Leave blank for a one-off job: it is the job's items spread over its deadline."
        )


def _check_hosted_model(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """A hosted model is one the catalog that prices the region knows (or regions.yaml records as
    served there), or "other" with its token prices."""
    model = values.get("hosted_model")
    if model == OTHER_MODEL:
        for name in OTHER_MODEL_PRICES:
            if values.get(name) is None and name not in errors:
                errors.setdefault(name, []).append(
                    f'Required when hosted_model is "{OTHER_MODEL}": the model is priced from it.'
                )
        return
    for name in OTHER_MODEL_PRICES:
        if values.get(name) is not None:
            errors.setdefault(name, []).append(
                f'Only for hosted_model "{OTHER_MODEL}": a catalog model is priced from the catalog.'
            )
    if model is None or "region" in errors:
        return
    region = values.get("region", FIELDS_BY_NAME["region"].default)
    catalog, _ = catalog_for_pricing(region)  # a region without its own is priced at us-east-1's
    if catalog is None:
        return  # no catalog to check against: the model is taken as named
    known = (hosted_models(catalog) | regions.served_models(region)) - regions.not_served_models(region)
    if model in regions.not_served_models(region):
        errors.setdefault("hosted_model", []).append(_not_served(model, region, known))
    elif model not in known:
        errors.setdefault("hosted_model", []).append(_unknown_model(model, known, catalog.region))


def _not_served(model: str, region: str, known: frozenset[str]) -> str:
    where = regions.bedrock_availability(model, region)
    return (
        f"Amazon Bedrock does not serve {model} in {region}, in the region or through a "
        f"cross-region profile ({where.note}; {where.source}). Models served there: "
        f"{', '.join(sorted(known))}."
    )


def _unknown_model(model: str, known: frozenset[str], region: str) -> str:
    close = difflib.get_close_matches(model, sorted(known), n=3, cutoff=0.6)
    names = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else "".join(close)
    guess = f"; did you mean {names}?" if close else f" in the {region} price catalog."
    return (
        f"Unknown model {model[:40]!r}{guess} Known models: {', '.join(sorted(known))}. "
        f'For a model the catalog does not price, give "{OTHER_MODEL}" and its token prices '
        f"({' and '.join(OTHER_MODEL_PRICES)})."
    )


def _normalise(values: dict[str, Any]) -> WorkloadProfile:
    merged = {**defaults(), **values}
    if merged["job_total_requests"] is not None:
        merged["requests_per_day"] = merged["job_total_requests"] / merged["job_deadline_days"]
    if merged["max_duration_s"] is None:
        merged["max_duration_s"] = merged["request_duration_s"] * 2
    return WorkloadProfile(**merged)
