"""The Celery app. Settings come from Django's, under the CELERY_ namespace.

With no CELERY_BROKER_URL the settings make tasks run eagerly in-process, so a
fresh checkout works without Redis; set it and the same code runs on workers.
"""

import os

from celery import Celery

TASK_PACKAGES = (
    "advisor.api",
    "advisor.portfolio",
    "advisor.reports",
    "advisor.simulations",
    "advisor.workloads",
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor.config.settings")

app = Celery("advisor")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each capability keeps its tasks in its own tasks module (advisor.jobs.TASK_PACKAGES).
app.autodiscover_tasks(lambda: list(TASK_PACKAGES))

# Worker processes open the chart browser of PDF reports as they start (connects the signals).
import advisor.reports.worker_hooks  # noqa: E402,F401
