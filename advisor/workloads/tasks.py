"""Celery tasks of workloads: thin adapters that take ids and call one service."""

from celery import shared_task

from advisor.jobs import DatabaseRetryTask


@shared_task(name="advisor.assessment_run", base=DatabaseRetryTask)
def assessment_run_task(*, workload_id: int) -> int:
    """Re-assess a stored workload, e.g. after the rule set changed. Returns the assessment id."""
    from advisor.models import Workload
    from advisor.workloads.services import assessment_run

    workload = Workload.objects.get(pk=workload_id)
    return assessment_run(workload=workload, created_by=None).pk
