"""Teams own workloads; every profile a workload ever had, and every assessment, is kept.

Models hold data and integrity constraints only. What happens on create, edit
or delete lives in ``advisor.workloads.services``; who may see what in ``advisor.workloads.selectors``.
"""

from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from advisor.advice_record import StoredAdvice


class Team(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    # Roles that may create, edit and delete a team's workloads.
    WRITE_ROLES = (Role.OWNER, Role.MEMBER)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
        ]
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class Workload(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="workloads")
    # Mirrors profile["name"], kept as a column so lists can sort and search by it.
    name = models.CharField(max_length=200)
    # The profile as the architect gave it (validated, defaults not filled in), so
    # an omitted field keeps following its documented default on the next edit.
    profile = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["team", "-updated_at"])]
        constraints = [
            # Pickers show workloads by name: two a person cannot tell apart ("Bot", "bot") are refused.
            # The services check first and say so on the name field; this is the backstop under a race.
            models.UniqueConstraint(models.F("team"), Lower("name"), name="workload_unique_name_per_team"),
        ]

    def __str__(self) -> str:
        return self.name


class ProfileVersion(models.Model):
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    profile = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workload", "version"], name="profileversion_unique_workload_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workload} v{self.version}"


class AssessmentQuerySet(models.QuerySet):
    def with_number(self) -> "AssessmentQuerySet":
        """Each assessment annotated with its number within its workload (``Assessment.number``).

        Numbered 1, 2, 3 in the order they were made (created_at, then id), by one correlated
        count in the same query, so a list of any length costs no query per row.
        """
        earlier = (
            Assessment.objects.order_by()
            .filter(workload=models.OuterRef("workload"))
            .filter(
                models.Q(created_at__lt=models.OuterRef("created_at"))
                | models.Q(created_at=models.OuterRef("created_at"), pk__lte=models.OuterRef("pk"))
            )
            .values("workload")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return self.annotate(number_in_workload=models.Subquery(earlier, output_field=models.IntegerField()))


class Assessment(models.Model):
    """One run of the engine, stored with everything needed to rebuild it exactly."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="assessments")
    profile = models.JSONField(help_text="The normalised profile the engine saw.")
    profile_version = models.PositiveIntegerField()
    ruleset_version = models.CharField(max_length=100)
    catalog_version = models.CharField(max_length=100, null=True, blank=True)
    # Stamped with its schema_version (advisor.advice_record); read it through ``advice``.
    result = models.JSONField(help_text="Advice.to_dict() as returned by the engine.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workload", "-created_at"])]

    def __str__(self) -> str:
        return f"Assessment {self.pk} of {self.workload}"

    def save(self, *args, **kwargs):
        # A stored assessment is the record of what we told a team; rewriting it
        # would make an old report impossible to reproduce.
        if not self._state.adding:
            raise ValueError("An assessment is immutable once stored; run a new one instead.")
        super().save(*args, **kwargs)

    @cached_property
    def advice(self) -> StoredAdvice:
        """The stored result, read once per instance into the typed read model."""
        return StoredAdvice.from_result(self.result)

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("advice", None)  # read again from the result reloaded
        super().refresh_from_db(*args, **kwargs)

    def placement(self, layer: str) -> str | None:
        return self.advice.placement(layer)

    @property
    def number(self) -> int:
        """Its number within its workload, 1 for the first: what pages call it ("assessment 3 of X").

        Lists annotate it (``with_number()``); an assessment read alone counts it here, once.
        """
        if getattr(self, "number_in_workload", None) is None:
            self.number_in_workload = (
                Assessment.objects.filter(pk=self.pk)
                .with_number()
                .values_list("number_in_workload", flat=True)
                .get()
            )
        return self.number_in_workload


class JobReason(models.TextChoices):
    """Why background work stands where it stands, as a code an API client can branch on.

    The words a person reads for each code live in one place, ``REASON_WORDS`` below.
    """

    NONE = "", "None"
    BROKER_UNREACHABLE = "broker_unreachable", "Task queue unreachable"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted", "Out of attempts"
    TIMED_OUT = "timed_out", "Took too long"
    CANCELLED = "cancelled", "Cancelled"
    INVALID_INPUT = "invalid_input", "Invalid input"
    ERROR = "error", "Stopped with an error"


REASON_WORDS: dict[str, str] = {
    JobReason.BROKER_UNREACHABLE: "Queued: the task queue is unreachable right now. The {noun} starts by itself "
    "when it is back; nothing is lost.",
    JobReason.CANCELLED: "Cancelled.",
    JobReason.ATTEMPTS_EXHAUSTED: "{what} was attempted {attempts} times without finishing.",
    JobReason.TIMED_OUT: "{what} took longer than {limit_s} s and was stopped.",
    JobReason.INVALID_INPUT: "Nothing was stored: the input was refused.",
    JobReason.ERROR: "{what} stopped with an error.",
}
# Reasons that describe a state rather than a failure: shown as the job's ``note``.
NOTE_REASONS = (JobReason.BROKER_UNREACHABLE, JobReason.CANCELLED)


def reason_words(reason: str, *, noun: str = "work", what: str | None = None, **facts: Any) -> str:
    """The sentence of a reason, e.g. for ``error`` when a job fails."""
    return REASON_WORDS[reason].format(noun=noun, what=what or f"The {noun}", **facts)


def reason_note(job: "BackgroundJob") -> str:
    """The job's ``note``: the words of a reason that is a state (broker down, cancelled), else ""."""
    return reason_words(job.reason, noun=job.NOUN) if job.reason in NOTE_REASONS else ""


class BackgroundJob(models.Model):
    """The shape of every kind of background work (simulation runs, reports, imports).

    ``advisor.jobs`` claims, finishes and re-sends them all the same way. A kind whose API
    has always said other words for its states (a report is "ready", an import "done")
    keeps its own ``Status`` and names which of them are its success and its ends in
    ``SUCCEEDED`` and ``FINISHED``. ``error`` holds the words of a failure as they were when
    it failed; ``reason`` says which kind of failure (or of wait) it is.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    Reason = JobReason
    SUCCEEDED = Status.SUCCEEDED
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    NOUN = "work"  # what the words of a reason call it: "the run", "the report"
    LIVENESS = "started_at"  # the field that shows a running job is alive; beat judges it by this

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Deliveries that took it, at most JOB_MAX_ATTEMPTS."
    )
    reason = models.CharField(
        max_length=20,
        choices=JobReason.choices,
        blank=True,
        default="",
        help_text="Why it waits or ended as it did (advisor.models.REASON_WORDS).",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def note(self) -> str:
        """What a person should know about a state that is no failure (queued while the
        broker is down, cancelled); "" otherwise. A failure says why in ``error``."""
        return reason_note(self)


class SimulationRun(BackgroundJob):
    """A Monte Carlo simulation of a month of traffic for one profile snapshot.

    The run is cut into chunks of paths that any worker may compute; the seed
    and the fixed chunking make the result the same however they were spread.
    Its ``attempts`` are those of its most tried chunk (each chunk counts its own).
    """

    NOUN = "run"

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="simulations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    profile = models.JSONField(help_text="The normalised profile simulated.")
    profile_version = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    paths = models.PositiveIntegerField()
    days = models.PositiveIntegerField(default=30)
    engine_version = models.CharField(max_length=50)
    catalog_version = models.CharField(max_length=100)
    chunks_total = models.PositiveIntegerField()
    chunks_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    sweep = models.JSONField(
        null=True, blank=True, help_text="Cost bands across request rates, computed after the run."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"Simulation {self.pk} of {self.workload} ({self.status})"

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0


class SimulationChunk(models.Model):  # noqa: DJ008 (internal rows: no admin or page lists them)
    """One chunk of a run: its attempts, and its per-path result once computed.

    Only a few chunks of a run are in the broker at a time (``SIMULATION_CHUNKS_QUEUED_PER_RUN``):
    "pending" is not sent yet, "queued" is sent (or being sent) and waits for a worker.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    SENT = (Status.QUEUED, Status.RUNNING)  # the run's window: a message is (or should be) out

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="simulationchunk_unique_index")]

    @property
    def finished(self) -> bool:
        """Nothing more to do for it: computed, or its run ended (cancelled, failed)."""
        return self.status == self.Status.DONE or self.run.finished


class Report(BackgroundJob):
    """The PDF recommendation report of one assessment, rendered by a worker and cached.

    One row per assessment. The PDF includes the newest finished simulation of the
    assessment's profile version, if any; ``simulation`` and ``with_sweep`` record
    which, so a run finishing later (or its sweep landing) makes the row stale and
    it is rendered again rather than served. The PDF is stored in the row, not on a
    disk, because the worker that renders it and the web process that serves it may
    run on different machines.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    SUCCEEDED = Status.READY
    FINISHED = (Status.READY, Status.FAILED)
    NOUN = "report"

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="report")
    simulation = models.ForeignKey(
        SimulationRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The run the PDF includes, if any.",
    )
    with_sweep = models.BooleanField(default=False, help_text="The run's volume sweep was included.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    figures_seconds = models.FloatField(null=True, blank=True, help_text="Chart export to SVG.")
    pdf_seconds = models.FloatField(null=True, blank=True, help_text="HTML to PDF (WeasyPrint).")

    def __str__(self) -> str:
        return f"Report of assessment {self.assessment_id} ({self.status})"


class ApiToken(models.Model):
    """A personal API token, e.g. for an intake tool. Only its digest is stored.

    The plain token (``pa_<prefix><rest>``) is shown once, when it is created.
    ``prefix`` is not secret: it lets a user tell their tokens apart in the UI.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. intake-bot.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    # SHA-256 hex of the whole token. A fast hash is right here, unlike for
    # passwords: the token carries 256 random bits (secrets.token_urlsafe(32)),
    # so there is nothing to brute-force and no need for a slow, salted KDF.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (pa_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The answer given to a POST sent with an ``Idempotency-Key`` header, kept for replays.

    An intake tool that retries after a timeout sends the same key again and gets the
    first answer back instead of creating a second workload. ``status_code`` is null
    while the first request is still running.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_unique_per_user")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'running'})"


class AuditEvent(models.Model):
    """Who changed what in a team, and when: written by the services, never edited.

    ``target_type`` and ``target_id`` name the object even after it was deleted;
    ``target_name`` keeps what a person would recognise it by.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=50, help_text="e.g. workload.update")
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=50, blank=True)
    target_name = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="auditevent_team_created")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id} by {self.actor}"


class PortfolioImport(BackgroundJob):
    """One upload of many workloads (CSV or JSON) into a team, and what became of each row.

    The rows are validated when the file arrives; the valid ones are cut into chunks
    (``ImportChunk``) that workers assess in parallel into a staging table (``ImportRow``).
    Once every chunk is done, one step publishes the staged rows in one database
    transaction, so a failure part-way stores nothing. ``mode`` is the user's explicit
    choice of what to do when some rows are invalid. ``profiles`` holds the valid rows
    only for imports queued before chunks existed.
    """

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "Store all rows or none"
        VALID_ROWS = "valid_rows", "Store the valid rows, skip the others"

    class Status(models.TextChoices):
        REJECTED = "rejected", "Rejected: nothing stored"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Assessing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed: nothing stored"
        CANCELLED = "cancelled", "Cancelled: nothing stored"

    SUCCEEDED = Status.DONE
    FINISHED = (Status.REJECTED, Status.DONE, Status.FAILED, Status.CANCELLED)
    NOUN = "import"
    LIVENESS = "heartbeat_at"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200, blank=True)
    file_format = models.CharField(max_length=4, help_text="csv or json")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField()
    rows_done = models.PositiveIntegerField(
        default=0, help_text="Valid rows assessed so far (each chunk adds its rows once it is staged)."
    )
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    profiles = models.JSONField(
        default=list, blank=True, help_text="[{row, profile}] waiting to be stored; emptied when done."
    )
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of the workers assessing or storing it; beat re-sends a silent one.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.team} ({self.status})"

    @property
    def rows_valid(self) -> int:
        return self.rows_total - len({e["row"] for e in self.errors})

    @property
    def skipped_count(self) -> int:
        return self.rows_total - self.rows_valid if self.status == self.Status.DONE else 0


class ImportChunk(models.Model):  # noqa: DJ008 (internal rows: no admin or page lists them)
    """A slice of an import's valid rows that one worker assesses, and its attempts.

    ``rows`` holds the slice's [{row, profile}] until the chunk is staged. Deleted with the
    import's staging once the import is published, failed or cancelled.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    SENT = (Status.QUEUED, Status.RUNNING)

    portfolio_import = models.ForeignKey(PortfolioImport, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list, blank=True, help_text="[{row, profile}] to assess.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio_import", "index"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio_import", "index"], name="importchunk_unique_index")
        ]

    @property
    def finished(self) -> bool:
        """Nothing (more) to do: staged already, or its import ended (cancelled, failed)."""
        return self.status == self.Status.DONE or self.portfolio_import.finished


class ImportRow(models.Model):  # noqa: DJ008 (staging: no admin or page lists them)
    """One assessed row of an import, staged until the import is published in one transaction.

    What publishing needs and nothing more: the row as uploaded, and the assessment's fields.
    Unique per import and row, so a chunk staged twice is an error, never two workloads.
    """

    portfolio_import = models.ForeignKey(
        PortfolioImport, on_delete=models.CASCADE, related_name="staged_rows"
    )
    row = models.PositiveIntegerField(help_text="As the file numbers it.")
    name = models.CharField(max_length=200)
    profile = models.JSONField(help_text="The profile as uploaded, stored on the workload.")
    effective = models.JSONField(help_text="The normalised profile the engine saw.")
    ruleset_version = models.CharField(max_length=100)
    catalog_version = models.CharField(max_length=100, null=True, blank=True)
    result = models.JSONField(help_text="The stamped advice, copied into the assessment.")

    class Meta:
        ordering = ["portfolio_import", "row"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio_import", "row"], name="importrow_unique_row")
        ]
