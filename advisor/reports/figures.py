"""Plotly figures to SVG: one kaleido Chromium for all the charts of a report.

Chromium comes from ``CHART_BROWSER_PATH`` (Debian's, ``CHROMIUM_PATH``) and
plotly.js from the app's own static files: nothing is fetched from a CDN. A
process may keep its browser open for ``CHART_BROWSER_IDLE_S`` seconds after a
report (Celery workers do), saving Chromium's start on the next one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from advisor.presentation.charts import PLOTLY_JS, Chart  # PLOTLY_JS: the bundle the web pages use

# The A4 text column is 174 mm, about 660 CSS px: figures are drawn a little wider
# and scaled down, so plotly's 13 px labels print at about 9.5 pt.
FIGURE_WIDTH_PX = 760


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
    one skips Chromium's start; any error closes it and the next report opens a
    fresh one.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._loop = asyncio.new_event_loop()
        self._kaleido: Any = None  # a kaleido.Kaleido while open (kaleido has no types)
        self._idle: asyncio.TimerHandle | None = None
        threading.Thread(target=self._loop.run_forever, name="chart-browser", daemon=True).start()

    def export(self, charts: list[Chart], *, idle_s: int, timeout: float) -> tuple[dict[str, str], bool]:
        """SVG text per chart key, and whether the browser was already open."""
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

    async def _export(self, charts: list[Chart], idle_s: int) -> tuple[dict[str, str], bool]:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        warm = self._kaleido is not None
        try:
            if not warm:
                browser = _kaleido_class()(
                    n=1, mathjax=False, path=settings.CHART_BROWSER_PATH, plotlyjs=str(plotlyjs_path())
                )
                await browser.open()
                self._kaleido = browser
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
        if idle_s > 0:
            self._idle = self._loop.call_later(idle_s, lambda: self._loop.create_task(self._close()))
        else:
            await self._close()
        return svgs, warm

    async def _close(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()


_browser: ChartBrowser | None = None
_browser_lock = threading.Lock()


def _chart_browser() -> ChartBrowser:
    global _browser
    # A forked process (a Celery pool child) inherits the object but not its thread.
    if _browser is None or _browser.pid != os.getpid():
        _browser = ChartBrowser()
        atexit.register(_browser.close)
    return _browser


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
