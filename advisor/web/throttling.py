"""Rate limits: DRF's throttles with counters that hold under parallel requests.

Rates are settings (``THROTTLE_EVALUATE``, ``THROTTLE_SIMULATE``, ``THROTTLE_IMPORT``, ...),
counted per user in Django's cache under the view's ``throttle_scope``.

DRF's own throttles read a list of timestamps, append and write it back: requests sent at
once all read the same list, and 6,400 were accepted against 6,000 a minute. Here each
request increments a counter with the cache's atomic ``incr`` (one Redis INCRBY), so every
request gets a distinct count and no more than the rate gets through. The window slides:
the count of this fixed window plus the previous window's count, weighted by the share of
it still inside the last ``duration`` seconds (Cloudflare's estimate), so a burst at a
window's edge cannot pass twice the rate.
"""

from __future__ import annotations

import math

from rest_framework import throttling


class SlidingWindowRateThrottle(throttling.SimpleRateThrottle):
    """``SimpleRateThrottle`` counting with atomic increments; fails open if the cache is down."""

    # Set by SimpleRateThrottle.__init__ from the rate (used only when there is one); the stubs omit them.
    num_requests: int
    duration: int

    def allow_request(self, request, view) -> bool:
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        window, elapsed = divmod(self.timer(), self.duration)
        current = f"{key}:{int(window)}"
        if (count := self._increment(current)) is None:
            return True  # django-redis could not reach Redis: availability over rate limiting
        self._previous, self._elapsed = self.cache.get(f"{key}:{int(window) - 1}") or 0, elapsed
        # previous * (its share still inside the last duration) + count <= rate, multiplied
        # by the duration so that whole seconds compare exactly.
        weighed = self._previous * (self.duration - elapsed) + count * self.duration
        if weighed <= self.num_requests * self.duration:
            return True
        self._count = self._decrement(current, count)  # refused requests do not count (as DRF's)
        return False

    def _increment(self, key: str) -> int | None:
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request: of several at once, one adds the key
            # It outlives its window by one, to be the next window's "previous" count.
            self.cache.add(key, 0, timeout=2 * self.duration)
        try:
            return self.cache.incr(key)
        except ValueError:  # gone again (evicted): let this one through
            return None

    def _decrement(self, key: str, count: int) -> int:
        try:
            self.cache.decr(key)
        except ValueError:
            pass
        return count - 1

    def wait(self) -> int:
        """Whole seconds until a request would be accepted, for ``Retry-After``."""
        limit, count, duration = self.num_requests, self._count, self.duration
        left = duration - self._elapsed
        if count < limit:
            # The previous window's weight has to fall until one more request fits.
            return max(1, math.ceil(left - (limit - count - 1) * duration / self._previous))
        # This window is full: it becomes the previous one, and has to weigh down as that one ends.
        return max(1, math.ceil(left + duration - (limit - 1) * duration / count))


class AnonRateThrottle(throttling.AnonRateThrottle, SlidingWindowRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle, SlidingWindowRateThrottle):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, SlidingWindowRateThrottle):
    pass


class WriteScopedRateThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope`` limits POST only: reading a list stays under ``user``."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
