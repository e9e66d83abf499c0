"""Placement Advisor: the Django product around the pure ``placement`` engine."""

# Import the Celery app when Django starts so @shared_task binds to it.
from advisor.config.celery import app as celery_app

__all__ = ("celery_app",)
