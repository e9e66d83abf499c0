"""Celery tasks of api: thin adapters that take ids and call one service."""

from celery import shared_task

from advisor.jobs import DatabaseRetryTask


@shared_task(name="advisor.idempotency_keys_purge", base=DatabaseRetryTask)
def idempotency_keys_purge_task() -> int:
    from advisor.api.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
