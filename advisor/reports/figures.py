"""Plotly figures to SVG: one kaleido Chromium for all the charts of a report.

Chromium comes from ``CHART_BROWSER_PATH`` (Debian's, ``CHROMIUM_PATH``) and
plotly.js from the app's own static files: nothing is fetched from a CDN. A
process may keep its browser open for ``CHART_BROWSER_IDLE_S`` seconds after a
report, saving Chromium's start on the next one.

Opening the browser (Chromium, then plotly.js in its page) took about 3 s of a
cold report. A Celery worker process therefore opens it in the background as it
starts and keeps it for its whole life (``browser_start``, called by
advisor/reports/worker_hooks.py), so even its first report finds it open. A
report in a process with no browser yet opens one as it starts building its
figures, and exports once it is ready.

Why not kaleido's own ``start_sync_server``: it is the same idea (a browser on a
thread of its own), but it reloads the page after every figure, which
``ReusedTabKaleido`` avoids.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import logging
import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from advisor.presentation.charts import PLOTLY_JS, Chart  # PLOTLY_JS: the bundle the web pages use

# The A4 text column is 174 mm, about 660 CSS px: figures are drawn a little wider
# and scaled down, so plotly's 13 px labels print at about 9.5 pt.
FIGURE_WIDTH_PX = 760
# Drawn once when a browser is opened ahead of any report: the first real figure then runs
# plotly.js code Chromium has already compiled.
WARM_UP_FIGURE = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {"width": 200, "height": 100}}
# A browser opened ahead of a report that never came (not a worker's): closed after this long.
AHEAD_IDLE_S = 60

log = logging.getLogger(__name__)


def plotlyjs_path() -> Path:
    """The plotly.js the pages use (fetched by scripts/fetch_static.py), else plotly's own copy."""
    for folder in settings.STATICFILES_DIRS:
        candidate = Path(folder) / PLOTLY_JS
        if candidate.is_file():
            return candidate.resolve()
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@functools.cache
def _kaleido_class():
    import kaleido

    class ReusedTabKaleido(kaleido.Kaleido):
        """Kaleido, without reloading its page after every figure.

        Kaleido 1.5 reloads the tab (and with it plotly.js) after each figure: about
        0.25 s of the 0.35 s a figure took here. An SVG export is ``Plotly.toImage``,
        which draws in a detached element and purges it, so nothing stays on the page
        between figures; the tab is still reloaded every ``RELOAD_EVERY`` figures so a
        browser kept warm for days starts clean now and then.
        """

        RELOAD_EVERY = 50
        served = 0

        async def _return_kaleido_tab(self, tab) -> None:
            self.served += 1
            if self.served % self.RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return ReusedTabKaleido


class ChartBrowser:
    """One kaleido Chromium on an event-loop thread of its own.

    Kaleido is asyncio code; a thread of its own lets it run from Django views,
    Celery tasks and code that already runs an event loop alike. With
    ``idle_s`` > 0 the browser stays open that long after a report, so the next
    one skips Chromium's start; a browser ``start``-ed with ``keep`` (a worker's)
    stays open until ``close``. Any error closes it and the next report opens a
    fresh one.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.kept = False  # open for the process's life, whatever the idle time
        self._loop = asyncio.new_event_loop()
        self._kaleido: Any = None  # a kaleido.Kaleido while open (kaleido has no types)
        self._idle: asyncio.TimerHandle | None = None
        # Taken by opening and by each export, so an export waits for an opening under way.
        self._busy = asyncio.Lock()
        self._exports_asked = 0  # exports asked for, not begun (a hint: the warm-up gives way)
        threading.Thread(target=self._loop.run_forever, name="chart-browser", daemon=True).start()

    def start(self, *, keep: bool) -> None:
        """Open the browser in the background, if it is not open; returns at once."""
        self.kept = self.kept or keep
        asyncio.run_coroutine_threadsafe(self._start(), self._loop)

    def export(self, charts: list[Chart], *, idle_s: int, timeout: float) -> tuple[dict[str, str], bool]:
        """SVG text per chart key, and whether the browser was already open."""
        self._exports_asked += 1  # under figures_export's lock: one caller at a time
        future = asyncio.run_coroutine_threadsafe(self._export(charts, idle_s), self._loop)
        try:
            return future.result(timeout)
        except BaseException:  # a timeout, or Celery's soft time limit: never reuse that browser
            future.cancel()
            self.close()
            raise

    def close(self, timeout: float = 10) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout)

    async def _start(self) -> None:
        async with self._busy:
            if self._kaleido is not None:
                return
            try:
                browser = await self._open()
                if not self._exports_asked:  # a report waiting would gain nothing from it
                    await browser.calc_fig(WARM_UP_FIGURE, opts={"format": "svg"})
            except Exception:  # the first report opens one again, and says why if it fails too
                log.warning("The chart browser did not open ahead of the reports.", exc_info=True)
                await self._close()
                return
            if not self.kept:
                self._close_after(max(settings.CHART_BROWSER_IDLE_S, AHEAD_IDLE_S))

    async def _open(self) -> Any:
        browser = _kaleido_class()(
            n=1, mathjax=False, path=settings.CHART_BROWSER_PATH, plotlyjs=str(plotlyjs_path())
        )
        await browser.open()
        self._kaleido = browser
        return browser

    async def _export(self, charts: list[Chart], idle_s: int) -> tuple[dict[str, str], bool]:
        async with self._busy:
            self._exports_asked -= 1
            self._close_after(None)
            warm = self._kaleido is not None
            try:
                if not warm:
                    await self._open()
                svgs = {}
                for chart in charts:
                    height = int(chart.figure.layout.height or 320)
                    svg = await self._kaleido.calc_fig(
                        chart.figure, opts={"format": "svg", "width": FIGURE_WIDTH_PX, "height": height}
                    )
                    svgs[chart.key] = svg.decode() if isinstance(svg, bytes) else svg
            except BaseException:
                await self._close()
                raise
            if not self.kept:
                if idle_s > 0:
                    self._close_after(idle_s)
                else:
                    await self._close()
            return svgs, warm

    def _close_after(self, seconds: float | None) -> None:
        """Close the browser once it has been idle this long (None: not on a timer)."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if seconds is not None:
            self._idle = self._loop.call_later(seconds, lambda: self._loop.create_task(self._close()))

    async def _close(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()


_browser: ChartBrowser | None = None
_browser_lock = threading.Lock()  # held for a whole export
_browser_made = threading.Lock()  # held while the object is made


def _chart_browser() -> ChartBrowser:
    global _browser
    with _browser_made:
        # A forked process (a Celery pool child) inherits the object but not its thread.
        if _browser is None or _browser.pid != os.getpid():
            _browser = ChartBrowser()
            atexit.register(_browser.close)
        return _browser


def browser_start(*, keep: bool = False) -> bool:
    """Open this process's chart browser in the background, and return at once.

    ``keep``: a Celery worker process's, open for the process's life (``worker_hooks``); else it
    closes as after a report (``CHART_BROWSER_IDLE_S``, at least ``AHEAD_IDLE_S`` if no report
    comes). False, doing nothing, when there is no browser to open (the report will say so).
    """
    if not os.path.exists(settings.CHART_BROWSER_PATH):
        return False
    _chart_browser().start(keep=keep)
    return True


def figures_to_svg(charts: list[Chart]) -> dict[str, str]:
    """SVG text of each chart, keyed by ``Chart.key``, from one browser for all of them."""
    return figures_export(charts)[0]


def figures_export(charts: list[Chart]) -> tuple[dict[str, str], bool]:
    """``figures_to_svg``, and whether the browser was already open (for the timings)."""
    if not charts:
        return {}, False
    if not os.path.exists(settings.CHART_BROWSER_PATH):
        raise RuntimeError(
            f"No browser at {settings.CHART_BROWSER_PATH} to draw the charts "
            "(set CHROMIUM_PATH, or install Debian's chromium)."
        )
    with _browser_lock:  # one report at a time per process: the browser has one tab
        return _chart_browser().export(
            charts, idle_s=settings.CHART_BROWSER_IDLE_S, timeout=settings.REPORT_RENDER_SOFT_LIMIT_S
        )


def browser_close() -> None:
    """Close this process's browser now rather than after its idle time."""
    if _browser is not None and _browser.pid == os.getpid():
        _browser.close()
