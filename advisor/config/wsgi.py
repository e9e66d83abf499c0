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
# and again. Kept after issue 17 because it still matters: over 600 evaluate requests in
# one process (the engine's caches now plain lru_caches), each full collection paused
# the request it fell in for 180-290 ms unfrozen and 15-63 ms frozen, and the collector
# took 2.0-2.3 against 1.4-1.7 ms a request (on a loaded 2-core machine; BENCHMARKS.md).
get_resolver().url_patterns  # noqa: B018 (the access loads them, as said above)
gc.freeze()
