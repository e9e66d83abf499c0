"""A workload's name is unique in its team, whatever its case, so pickers can tell workloads apart.

Databases from before this migration may hold duplicates: each team's oldest workload keeps the
name, the others become "name (2)", "name (3)"... (a suffix no other workload of the team uses),
in the order they were created, so the same database always gets the same names.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

NAME_MAX_LENGTH = 200


def rename_duplicates(apps, schema_editor):
    workload_model = apps.get_model("advisor", "Workload")
    profile_version_model = apps.get_model("advisor", "ProfileVersion")
    # Folded by the database's own lower(), the function the constraint uses, so what this
    # renames is exactly what the constraint would refuse.
    workloads = list(
        workload_model.objects.annotate(folded=Lower("name"))
        .order_by("team_id", "id")
        .only("id", "team_id", "name", "profile", "version")
    )
    taken = {(workload.team_id, workload.folded) for workload in workloads}
    seen: set[tuple[int, str]] = set()
    for workload in workloads:
        if (workload.team_id, workload.folded) not in seen:
            seen.add((workload.team_id, workload.folded))
            continue
        name, folded = _free_name(workload.name, workload.folded, team_id=workload.team_id, taken=taken)
        taken.add((workload.team_id, folded))
        seen.add((workload.team_id, folded))
        workload.name = name
        workload.profile = {**workload.profile, "name": name}
        workload.save(update_fields=["name", "profile"])
        # The current version's profile is the workload's; older versions keep the name they had.
        profile_version_model.objects.filter(workload_id=workload.pk, version=workload.version).update(
            profile=workload.profile
        )


def _free_name(name: str, folded: str, *, team_id: int, taken: set) -> tuple[str, str]:
    """The name with the first suffix " (2)", " (3)"... that no workload of the team has, and its folded form."""
    number = 2
    while True:
        suffix = f" ({number})"
        if len(name) + len(suffix) <= NAME_MAX_LENGTH:
            candidate, candidate_folded = name + suffix, folded + suffix
        else:
            candidate = name[: NAME_MAX_LENGTH - len(suffix)] + suffix
            candidate_folded = candidate.lower()
        if (team_id, candidate_folded) not in taken:
            return candidate, candidate_folded
        number += 1


class Migration(migrations.Migration):
    dependencies = [("advisor", "0011_simulation_fairness")]

    operations = [
        migrations.RunPython(rename_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="workload",
            constraint=models.UniqueConstraint(
                models.F("team"), Lower("name"), name="workload_unique_name_per_team"
            ),
        ),
    ]
