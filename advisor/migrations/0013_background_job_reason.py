"""One shape for background work: a ``reason`` code instead of a ``note`` sentence.

Simulation runs, reports and imports said why they waited (the broker was down) or ended
(cancelled) in a sentence of their own, and their failures only in ``error``. Each now has a
``reason`` code (``advisor.models.JobReason``) whose words live in ``advisor.jobs``; a run
also counts ``attempts`` (those of its most tried chunk). Old rows keep their ``error`` words
and get the code their sentence meant; going back writes the sentences again.
"""

from django.db import migrations, models
from django.db.models import Q

REASONS = [
    ("", "None"),
    ("broker_unreachable", "Task queue unreachable"),
    ("attempts_exhausted", "Out of attempts"),
    ("timed_out", "Took too long"),
    ("cancelled", "Cancelled"),
    ("invalid_input", "Invalid input"),
    ("error", "Stopped with an error"),
]
KINDS = ("SimulationRun", "Report", "PortfolioImport")
# The sentences each kind wrote in ``note`` before, for going back.
BROKER_DOWN_NOTES = {
    "SimulationRun": "Queued: the task queue is unreachable right now. The run starts by itself when it is back; "
    "nothing is lost.",
    "Report": "Queued: the task queue is unreachable right now; the report starts when it is back.",
    "PortfolioImport": "The task queue is unreachable; the import starts once it is back.",
}


def _reason_field() -> models.CharField:
    return models.CharField(
        blank=True,
        choices=REASONS,
        default="",
        max_length=20,
        help_text="Why it waits or ended as it did (advisor.models.REASON_WORDS).",
    )


def notes_to_reasons(apps, schema_editor):
    for kind in KINDS:
        rows = apps.get_model("advisor", kind).objects
        # Every broker-down sentence said "unreachable", and no other note did.
        rows.filter(note__icontains="unreachable").update(reason="broker_unreachable")
        rows.filter(status="cancelled").update(reason="cancelled")
        rows.filter(status="rejected").update(reason="invalid_input")
        failed = rows.filter(status="failed", reason="")
        failed.filter(error__contains="times without finishing").update(reason="attempts_exhausted")
        failed.filter(error__contains="took longer than").update(reason="timed_out")
        failed.filter(reason="").update(reason="error")


def reasons_to_notes(apps, schema_editor):
    for kind in KINDS:
        rows = apps.get_model("advisor", kind).objects
        rows.filter(reason="broker_unreachable").update(note=BROKER_DOWN_NOTES[kind])
        rows.filter(Q(reason="cancelled") & Q(status="cancelled")).update(note="Cancelled.")


class Migration(migrations.Migration):
    dependencies = [("advisor", "0012_workload_unique_name_per_team")]

    operations = [
        *(
            migrations.AddField(model_name=kind.lower(), name="reason", field=_reason_field())
            for kind in KINDS
        ),
        migrations.AddField(
            model_name="simulationrun",
            name="attempts",
            field=models.PositiveIntegerField(
                default=0, help_text="Deliveries that took it, at most JOB_MAX_ATTEMPTS."
            ),
        ),
        *(
            migrations.AlterField(
                model_name=kind,
                name="attempts",
                field=models.PositiveIntegerField(
                    default=0, help_text="Deliveries that took it, at most JOB_MAX_ATTEMPTS."
                ),
            )
            for kind in ("report", "portfolioimport")
        ),
        migrations.RunPython(notes_to_reasons, reasons_to_notes),
        *(migrations.RemoveField(model_name=kind.lower(), name="note") for kind in KINDS),
    ]
