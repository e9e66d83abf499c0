"""Teams own workloads; every profile a workload ever had, and every assessment, is kept.

Models hold data and integrity constraints only. What happens on create, edit
or delete lives in ``advisor.services``; who may see what in ``advisor.selectors``.
"""
from django.conf import settings
from django.db import models


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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["team", "-updated_at"])]

    def __str__(self) -> str:
        return self.name


class ProfileVersion(models.Model):
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    profile = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["workload", "version"],
                                    name="profileversion_unique_workload_version"),
        ]

    def __str__(self) -> str:
        return f"{self.workload} v{self.version}"


class Assessment(models.Model):
    """One run of the engine, stored with everything needed to rebuild it exactly."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="assessments")
    profile = models.JSONField(help_text="The normalised profile the engine saw.")
    profile_version = models.PositiveIntegerField()
    ruleset_version = models.CharField(max_length=100)
    catalog_version = models.CharField(max_length=100, null=True, blank=True)
    result = models.JSONField(help_text="Advice.to_dict() as returned by the engine.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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

    def placement(self, layer: str) -> str | None:
        return (self.result.get("layers", {}).get(layer) or {}).get("placement")


class SimulationRun(models.Model):
    """A Monte Carlo simulation of a month of traffic for one profile snapshot.

    The run is cut into chunks of paths that any worker may compute; the seed
    and the fixed chunking make the result the same however they were spread.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="simulations")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    profile = models.JSONField(help_text="The normalised profile simulated.")
    profile_version = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    paths = models.PositiveIntegerField()
    days = models.PositiveIntegerField(default=30)
    engine_version = models.CharField(max_length=50)
    catalog_version = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    chunks_total = models.PositiveIntegerField()
    chunks_done = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True,
                            help_text="What a person should know about the state, e.g. queued while the broker is down.")
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    sweep = models.JSONField(null=True, blank=True,
                             help_text="Cost bands across request rates, computed after the run.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"Simulation {self.pk} of {self.workload} ({self.status})"

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class SimulationChunk(models.Model):
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


class Report(models.Model):
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

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="report")
    simulation = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", help_text="The run the PDF includes, if any.")
    with_sweep = models.BooleanField(default=False, help_text="The run's volume sweep was included.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    figures_seconds = models.FloatField(null=True, blank=True, help_text="Chart export to SVG.")
    pdf_seconds = models.FloatField(null=True, blank=True, help_text="HTML to PDF (WeasyPrint).")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Report of assessment {self.assessment_id} ({self.status})"


class ApiToken(models.Model):
    """A personal API token, e.g. for an intake tool. Only its digest is stored.

    The plain token (``pa_<prefix><rest>``) is shown once, when it is created.
    ``prefix`` is not secret: it lets a user tell their tokens apart in the UI.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
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

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="audit_events")
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


class PortfolioImport(models.Model):
    """One upload of many workloads (CSV or JSON) into a team, and what became of each row.

    The rows are validated when the file arrives; ``profiles`` holds the valid ones
    until a worker has assessed and stored them. Storing happens in one database
    transaction, so a failure part-way stores nothing. ``mode`` is the user's explicit
    choice of what to do when some rows are invalid.
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

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    file_format = models.CharField(max_length=4, help_text="csv or json")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField()
    rows_done = models.PositiveIntegerField(default=0, help_text="Valid rows assessed so far.")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    profiles = models.JSONField(default=list, blank=True,
                                help_text="[{row, profile}] waiting to be stored; emptied when done.")
    attempts = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker storing it; beat re-sends a silent one.")
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.team} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.REJECTED, self.Status.DONE, self.Status.FAILED}

    @property
    def rows_valid(self) -> int:
        return self.rows_total - len({e["row"] for e in self.errors})

    @property
    def skipped_count(self) -> int:
        return self.rows_total - self.rows_valid if self.status == self.Status.DONE else 0
