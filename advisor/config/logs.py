"""Log records reshaped so that a failure the app expects and handles reads as one warning line."""

from __future__ import annotations

import logging

CACHE_UNAVAILABLE = "cache unavailable, going on without it (throttles let requests through): %s"


class CacheUnavailable(logging.Filter):
    """django-redis logs each cache error it ignores with ``logger.exception``: ERROR and a traceback.

    The app carries on without the cache (``advisor.config.settings.cache_config``), so an operator
    needs to know that Redis is unreachable and what that means, not where in django-redis it
    was noticed: a warning naming the Redis error.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg, record.args = CACHE_UNAVAILABLE, (record.exc_info[1],)
            record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


class ClientErrorWithoutTraceback(logging.Filter):
    """Django logs a refused request (403 PermissionDenied, 400 SuspiciousOperation) with the
    exception's traceback. A 4xx is the client's mistake or a rule doing its job, not a bug to
    debug: one line (the status, the path, the reason) says all an operator needs, and a viewer
    poking at forbidden pages no longer buries real errors under tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            reason = record.exc_info[1]
            if reason is not None and str(reason):
                record.msg, record.args = f"{record.getMessage()} ({reason})", ()
            record.exc_info, record.exc_text = None, None
        return True
