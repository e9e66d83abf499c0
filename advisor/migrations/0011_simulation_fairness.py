from django.db import migrations, models

UNFINISHED = ("queued", "running")


def mark_sent_chunks_queued(apps, schema_editor):
    # Before this migration every chunk of a run was sent at once: the unfinished chunks of
    # runs in flight are in the broker already, so they count in their run's window.
    chunk = apps.get_model("advisor", "SimulationChunk")
    chunk.objects.filter(status="pending", run__status__in=UNFINISHED).update(status="queued")


def mark_queued_chunks_pending(apps, schema_editor):
    apps.get_model("advisor", "SimulationChunk").objects.filter(status="queued").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [("advisor", "0010_background_retries")]

    operations = [
        migrations.AlterField(
            model_name="simulationchunk",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(mark_sent_chunks_queued, mark_queued_chunks_pending),
    ]
