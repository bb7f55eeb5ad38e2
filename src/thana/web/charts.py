"""Charts of the oversight pages, drawn by matplotlib (Agg, no display) as inline SVG, or PNG for the PDF.

Text stays text in the SVG (svg.fonttype none): the browser shapes Hindi and Marathi labels with its own
fonts. Each chart's ids are prefixed so several charts can sit in one page. Rendered charts are kept for
CACHE_SECONDS per key (the unit and the language), since figures a minute old are fine for a trend.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import date

import matplotlib

matplotlib.use("Agg")

from importlib import resources

from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure

# The fonts the posters ship with, so PNG charts in the PDF report draw Devanagari on any machine.
for _font in ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"):
    with resources.as_file(resources.files("thana.outreach") / "fonts" / _font) as _path:
        font_manager.fontManager.addfont(str(_path))

rcParams["svg.fonttype"] = "none"
rcParams["svg.hashsalt"] = "thana"
rcParams["font.family"] = ["DejaVu Sans", "Noto Sans Devanagari", "sans-serif"]
rcParams["font.size"] = 12
rcParams["axes.spines.top"] = False
rcParams["axes.spines.right"] = False

CACHE_SECONDS = 60.0
STALE_SECONDS = 15 * 60.0  # older than a minute, a trend is still shown while it is redrawn, up to this
INK, BRAND, ALERT, GRID = "#1b1f24", "#0b3d91", "#a4161a", "#c9d1db"
_lock = threading.Lock()  # matplotlib is not thread-safe; pages render from a thread pool
_refresh_lock = threading.Lock()
log = logging.getLogger("thana.charts")
_cache: dict[tuple, tuple[float, object]] = {}


def cached(key: tuple, make: Callable[[], object], seconds: float = CACHE_SECONDS) -> object:
    """What make() returns, kept `seconds` for this key."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < seconds:
        return hit[1]
    value = make()
    _keep(key, value, now)
    return value


def _keep(key: tuple, value: object, at: float) -> None:
    _cache[key] = (at, value)
    if len(_cache) > 512:  # forget the oldest; the set of units is small, so this rarely runs
        for old in sorted(_cache, key=lambda k: _cache[k][0])[:256]:
            _cache.pop(old, None)


def peek(key: tuple, seconds: float = CACHE_SECONDS) -> object | None:
    """The value kept for this key if still fresh, else None."""
    hit = _cache.get(key)
    return hit[1] if hit and time.monotonic() - hit[0] < seconds else None


def clear_cache() -> None:
    _cache.clear()


def age_cache(seconds: float) -> None:
    """Make every kept value `seconds` older (for measuring what a page does with charts gone stale)."""
    for key, (at, value) in list(_cache.items()):
        _cache[key] = (at - seconds, value)


_refreshing: set[tuple] = set()


def wait_for_refreshes(timeout: float = 30.0) -> None:
    """Return when no background redraw is running (or after timeout)."""
    deadline = time.monotonic() + timeout
    while _refreshing and time.monotonic() < deadline:
        time.sleep(0.01)


def refresh_later(key: tuple, make: Callable[[], object]) -> None:
    """Compute a stale key's value again in the background (once at a time per key), for the next view."""
    with _refresh_lock:
        if key in _refreshing:
            return
        _refreshing.add(key)

    def run() -> None:
        try:
            _keep(key, make(), time.monotonic())
        except Exception:  # a failed refresh leaves the stale value; the next view tries again
            log.exception("refreshing %s failed", key[0])
        finally:
            with _refresh_lock:
                _refreshing.discard(key)

    threading.Thread(target=run, name=f"refresh-{key[0]}", daemon=True).start()


def _figure(width: float = 5.2, height: float = 2.6, left: float = 0.7, bottom: float = 0.45) -> Figure:
    """Fixed margins (in inches) rather than a layout engine: as readable, and several times cheaper."""
    fig = Figure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("white")
    fig.subplots_adjust(left=left / width, right=1 - 0.15 / width, bottom=bottom / height, top=1 - 0.15 / height)
    return fig


def _style(ax) -> None:
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(colors=INK)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#4a5563")


def to_svg(fig: Figure, prefix: str, label: str) -> str:
    """The figure as an <svg> element for inline use: scalable, ids made unique, labelled for screen readers."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\sid="([^"]+)"', rf' id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]+"\s+height="[^"]+"', r"<svg\1", svg, count=1)
    safe = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg", f'<svg role="img" aria-label="{safe}" focusable="false"', 1)


def to_png(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def volume_figure(days: list[date], counts: list[int], ylabel: str) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(range(len(days)), counts, color=BRAND, width=0.8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0, top=max(max(counts, default=0) * 1.12, 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    _date_axis(ax, days)
    _style(ax)
    return fig


def response_figure(days: list[date], minutes: list[float | None], ylabel_minutes: str, ylabel_hours: str) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    values = [m for m in minutes if m is not None]
    hours = bool(values) and max(values) > 300
    ys = [float("nan") if m is None else (m / 60 if hours else m) for m in minutes]
    ax.plot(range(len(days)), ys, color=ALERT, marker="o", markersize=4, linewidth=2)
    ax.set_ylabel(ylabel_hours if hours else ylabel_minutes)
    ax.set_ylim(bottom=0, top=(max(values) / (60 if hours else 1)) * 1.15 if values else 1)
    _date_axis(ax, days)
    _style(ax)
    return fig


def bar_figure(labels: list[str], values: list[int], xlabel: str) -> Figure:
    height = max(1.6, 0.34 * max(len(labels), 4) + 0.7)
    widest = max((len(label) for label in labels), default=4)
    fig = _figure(5.2, height, left=min(2.4, 0.3 + 0.105 * widest), bottom=0.55)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    ax.barh(positions, values, color=BRAND, height=0.7)
    ax.set_yticks(positions, labels)
    ax.set_ylim(max(len(labels), 4) - 0.5, -0.5)  # first on top; a lone bar stays a bar, not a block
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for y, v in zip(positions, values, strict=True):
        ax.annotate(f"{v:,}", (v, y), xytext=(4, 0), textcoords="offset points", va="center", color=INK)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.margins(x=0.12)
    return fig


def _date_axis(ax, days: list[date]) -> None:
    """Days at integer positions, labelled day/month: every day for a week, every fifth day back from the last."""
    ax.set_xlim(-0.6, len(days) - 0.4)
    step = 1 if len(days) <= 10 else 5
    ticks = list(range(len(days) - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, [days[i].strftime("%d/%m") for i in ticks])


def trend_svgs(trend: list[dict], words: dict[str, str], prefix: str) -> dict[str, str]:
    """Volume and median first response over the last 7 and 30 days: four SVGs."""

    def make() -> dict[str, str]:
        out = {}
        for span in (7, 30):
            part = trend[-span:]
            days = [d["day"] for d in part]
            fig = volume_figure(days, [d["received"] for d in part], words["cases"])
            out[f"volume_{span}"] = to_svg(fig, f"{prefix}-v{span}", words[f"volume_{span}"])
            fig = response_figure(
                days, [d["median_first_response_min"] for d in part], words["minutes"], words["hours"]
            )
            out[f"response_{span}"] = to_svg(fig, f"{prefix}-r{span}", words[f"response_{span}"])
        return out

    with _lock:
        return make()


def bars_svg(pairs: list[tuple[str, int]], xlabel: str, prefix: str, label: str) -> str:
    with _lock:
        fig = bar_figure([p[0] for p in pairs] or ["—"], [p[1] for p in pairs] or [0], xlabel)
        return to_svg(fig, prefix, label)


def volume_png(trend: list[dict], ylabel: str) -> bytes:
    with _lock:
        fig = volume_figure([d["day"] for d in trend], [d["received"] for d in trend], ylabel)
        return to_png(fig)
