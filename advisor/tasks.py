"""Celery tasks: thin adapters that take ids and call one service."""
from celery import shared_task


@shared_task(name="advisor.assessment_run")
def assessment_run_task(*, workload_id: int) -> int:
    """Re-assess a stored workload, e.g. after the rule set changed. Returns the assessment id."""
    from advisor.models import Workload
    from advisor.services import assessment_run

    workload = Workload.objects.get(pk=workload_id)
    return assessment_run(workload=workload, created_by=None).pk
