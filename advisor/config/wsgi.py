"""WSGI entry point for gunicorn: ``gunicorn advisor.config.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor.config.settings")
application = get_wsgi_application()

# Load every view, and with them DRF, the decision matrix and the price catalog code,
# now rather than on the first request, then freeze what start-up made. Those objects
# live as long as the worker; frozen, the garbage collector stops walking them again
# and again. Its full collections had paused a worker for up to 67 ms in the middle of a
# request, and the collector took 5% of an evaluate request (BENCHMARKS.md section 5).
get_resolver().url_patterns  # noqa: B018 (the access loads them, as said above)
gc.freeze()
