"""Progress charts as PNG (matplotlib, Agg backend), readable on a phone.

`progress_chart(rollup, history, lang)`: horizontal bars of % done per child unit (the unit itself
when it has no children), sorted as the roll-up ranks them, with the 100 % target line and value
labels; below, a small cumulative-over-time line for the unit. DejaVu Sans (shipped with
matplotlib) renders Vietnamese diacritics. The image is 960 px wide; its height grows with the
number of bars (see `chart_size`). Figures are built with the object API (no pyplot state), so
charts can be rendered from worker threads; each thread keeps one Agg renderer per image size (its text
metrics cache then serves every chart it draws). Broadcasts draw in worker processes:
bot/present/chart_render.py.
"""

from __future__ import annotations

import io
import threading
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bot.core import fmt  # noqa: E402
from bot.core.rollup import Rollup, UnitFigures  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.core.views import Views  # noqa: E402
from bot.texts import t  # noqa: E402
from storage import repo  # noqa: E402

DPI = 120
WIDTH_IN = 8.0
TITLE_IN = 0.75
BAR_IN = 0.34
BARS_PAD_IN = 0.55  # x tick labels under the bars
GAP_IN = 0.3
LINE_IN = 2.4
BOTTOM_IN = 0.45
MAX_NAME = 28
FONT = "DejaVu Sans"

PNG_COMPRESS = 1  # zlib level: level 6 (PIL's default) costs a tenth of the drawing time for 15 % fewer bytes
RC: dict[Any, Any] = {"font.family": FONT, "font.sans-serif": [FONT]}  # rcParams keys are typed literals

COLORS = ((100.0, "#2e7d32"), (80.0, "#66bb6a"), (50.0, "#ffa726"), (0.0, "#ef5350"))
GREY = "#b0bec5"


def chart_size(bars: int) -> tuple[int, int]:
    """(width, height) in pixels of a chart with that many bars (at least one)."""
    h = TITLE_IN + max(bars, 1) * BAR_IN + BARS_PAD_IN + GAP_IN + LINE_IN + BOTTOM_IN
    return round(WIDTH_IN * DPI), round(h * DPI)


def metric_label(code: str, lang: str) -> str:
    from bot.core.metrics import metric_name

    return metric_name(code, lang)


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _color(pct: float) -> str:
    return next(c for limit, c in COLORS if pct >= limit)


_RENDERERS = threading.local()
_MAX_SIZES = 8  # renderers kept per thread (one per image size: a commune's chart is taller than a village's)


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is the calling thread's for that image size (cleared before each draw)."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        kept: dict[tuple[int, int, float], RendererAgg] | None = getattr(_RENDERERS, "by_size", None)
        if kept is None:
            kept = _RENDERERS.by_size = {}
        renderer = kept.get(key)
        if renderer is None:
            if len(kept) >= _MAX_SIZES:
                kept.clear()
            renderer = kept[key] = RendererAgg(w, h, self.figure.dpi)
        self.renderer = renderer
        self._lastKey = key
        return renderer


def progress_chart(rollup: Rollup, history: list[tuple[date, int]], lang: str, metric: str | None = None) -> bytes:
    """The PNG. `metric`: the default metric's display name (else looked up: `metric_label`); a process that
    never loaded the metrics from the database (a drawing worker, bot/present/chart_render.py) is given it."""
    with matplotlib.rc_context(RC):
        return render_png(rollup, history, lang, metric)


def use_chart_fonts() -> None:
    """Set the chart font for the whole process (a drawing worker: then `render_png` needs no rc_context)."""
    matplotlib.rcParams.update(RC)


def render_png(rollup: Rollup, history: list[tuple[date, int]], lang: str, metric: str | None = None) -> bytes:
    """`progress_chart` under the process's current rcParams (`use_chart_fonts` or an rc_context of RC)."""
    fig = figure(rollup, history, lang, metric)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESS})
    return buf.getvalue()


def legend_entries(lang: str) -> list[tuple[str, str]]:
    """(colour, label) of the bars' colours: ≥ 100 %, 80–99 %, 50–79 %, under 50 %, no target."""
    labels = [t("fig.legend_done", lang), t("fig.legend_range", lang, low=80, high=99),
              t("fig.legend_range", lang, low=50, high=79), t("fig.legend_under", lang, n=50)]
    return [(c, label) for (_limit, c), label in zip(COLORS, labels, strict=True)] + [(GREY, t("chart.no_target", lang))]


def figure(rollup: Rollup, history: list[tuple[date, int]], lang: str, metric_name: str | None = None) -> Figure:
    """The chart as a matplotlib Figure (progress_chart renders it)."""
    from matplotlib.patches import Patch

    metric = rollup.default_metric
    mname = metric_name or metric_label(metric, lang)
    units: list[UnitFigures] = rollup.children or [rollup.unit]
    n = len(units)
    w_px, h_px = chart_size(n)
    height_in = h_px / DPI
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    _Canvas(fig)

    names = [_short(u.name) for u in units]
    left_in = min(3.0, 0.35 + 0.092 * max(len(x) for x in names))
    right_in = 1.25
    fig.text(0.5, 1 - 0.3 / height_in, t("chart.title", lang, metric=mname, unit=_short(rollup.unit.name),
                                         day=fmt.day(rollup.day, lang, year=True)),
             ha="center", va="center", fontsize=14, fontweight="bold")
    fig.legend(handles=[Patch(facecolor=c, label=label) for c, label in legend_entries(lang)], loc="center",
               bbox_to_anchor=(0.42, 1 - 0.58 / height_in), ncol=5, fontsize=8, frameon=False, handlelength=1.2,
               columnspacing=1.0)

    # -- bars: % of target per unit --------------------------------------------------------------
    bars_h = n * BAR_IN
    bars_bottom = height_in - TITLE_IN - bars_h
    ax = fig.add_axes((left_in / WIDTH_IN, bars_bottom / height_in, (WIDTH_IN - left_in - right_in) / WIDTH_IN,
                       bars_h / height_in))
    pcts = [u.metrics[metric].pct if metric in u.metrics else None for u in units]
    vals = [min(p, 999.0) if p is not None else 0.0 for p in pcts]
    ys = list(range(n))
    ax.barh(ys, vals, height=0.68, color=[_color(p) if p is not None else GREY for p in pcts], zorder=2)
    top = max(110.0, max(vals) * 1.02)
    ax.set_xlim(0, top)
    ax.set_ylim(n - 0.5, -0.5)  # first (best) unit at the top
    ax.set_yticks(ys, labels=names, fontsize=11)
    ax.axvline(100, color="#1565c0", linestyle="--", linewidth=1.6, zorder=3)
    ax.text(100, -0.5, " " + t("chart.target_line", lang), color="#1565c0", fontsize=9, va="bottom", ha="center",
            clip_on=False)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}%"))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", color="#e0e0e0", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for y, u, p, v in zip(ys, units, pcts, vals, strict=True):
        m = u.metrics.get(metric)
        if p is None or m is None:
            label = t("chart.no_target", lang)
        else:
            label = fmt.pct(p, lang) + (f"  +{fmt.num(m.today, lang)}" if m.today else "")
        ax.text(min(v, top) + top * 0.01, y, label, va="center", ha="left", fontsize=10, clip_on=False, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85})

    # -- cumulative over time --------------------------------------------------------------------
    line_bottom = BOTTOM_IN
    lx = fig.add_axes((0.9 / WIDTH_IN, line_bottom / height_in, (WIDTH_IN - 0.9 - 0.35) / WIDTH_IN,
                       (LINE_IN - 0.35) / height_in))
    unit_m = rollup.unit.metrics.get(metric)
    # y given: matplotlib does not measure the axes to place the title (nothing is drawn above it; the same
    # place, a sixth of the drawing time saved)
    lx.set_title(t("chart.history", lang, metric=mname, unit=_short(rollup.unit.name)), fontsize=11, loc="left",
                 y=1.0)
    if history:
        days = [d for d, _ in history]
        xs = list(range(len(days)))
        ys_h = [v for _, v in history]
        lx.plot(xs, ys_h, color="#1565c0", linewidth=2, marker="o", markersize=3)
        lx.fill_between(xs, ys_h, color="#1565c0", alpha=0.08)
        if unit_m is not None and unit_m.target:
            lx.axhline(unit_m.target, color="#2e7d32", linestyle="--", linewidth=1.2)
            lx.text(0, unit_m.target, t("chart.target", lang, value=fmt.num(unit_m.target, lang)), va="bottom",
                    fontsize=9, color="#2e7d32")
            lo = min(ys_h)
            lx.set_ylim(lo - (unit_m.target - lo) * 0.05 if unit_m.target > lo else lo * 0.95, unit_m.target * 1.08)
        step = max(1, len(xs) // 7)
        lx.set_xticks(xs[::step], labels=[fmt.day(d, lang) for d in days[::step]], fontsize=9)
        lx.set_xlim(-0.5, len(xs) - 0.5)
    lx.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: fmt.num(y, lang)))
    lx.tick_params(axis="y", labelsize=9)
    lx.grid(color="#e0e0e0")
    for side in ("top", "right"):
        lx.spines[side].set_visible(False)
    return fig


def unit_chart(views: Views, unit_id: int, day: date, lang: str, metric: str | None = None) -> tuple[bytes, int]:
    """A unit's progress chart (bars per child + cumulative line) and its number of bars (a very tall
    chart goes out as a document)."""
    r, hist = views.chart_data(unit_id, day, metric)
    return progress_chart(r, hist, lang), max(len(r.children), 1)


def chart_for(svc: Services, unit_id: int, day: date, lang: str, metric: str | None = None) -> bytes:
    """The progress chart of a unit by id (a signed chart link fetched by Zalo); LookupError: no such unit."""
    with svc.db.session() as s:
        if repo.unit_by_id(s, unit_id) is None:
            raise LookupError(f"unit {unit_id} does not exist")
    return unit_chart(Views(svc), unit_id, day, lang, metric)[0]
