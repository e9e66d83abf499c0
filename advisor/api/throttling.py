"""Rate limits of the API's expensive operations beyond the default per-user rate.

Rates are settings (``THROTTLE_EVALUATE``, ``THROTTLE_SIMULATE``, ``THROTTLE_IMPORT``),
counted per user in Django's cache under the view's ``throttle_scope``.
"""
from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle


class WriteScopedRateThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope`` limits POST only: reading a list stays under ``user``."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
