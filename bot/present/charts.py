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
from bot.core.rollup import MetricFigures, Rollup, UnitFigures  # noqa: E402
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
_MAX_SIZES = 3  # renderers kept per thread (one per image size: a commune's chart is taller than a village's)


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
    frame = _frame(_shape(rollup, history), lang)
    frame.show(rollup, history, lang, metric or metric_label(rollup.default_metric, lang))
    buf = io.BytesIO()
    frame.fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESS})
    return buf.getvalue()


def legend_entries(lang: str) -> list[tuple[str, str]]:
    """(colour, label) of the bars' colours: ≥ 100 %, 80–99 %, 50–79 %, under 50 %, no target."""
    labels = [t("fig.legend_done", lang), t("fig.legend_range", lang, low=80, high=99),
              t("fig.legend_range", lang, low=50, high=79), t("fig.legend_under", lang, n=50)]
    return [(c, label) for (_limit, c), label in zip(COLORS, labels, strict=True)] + [(GREY, t("chart.no_target", lang))]


def figure(rollup: Rollup, history: list[tuple[date, int]], lang: str, metric_name: str | None = None) -> Figure:
    """The chart as a new matplotlib Figure (a drawing thread reuses its frames instead: `render_png`)."""
    frame = _Frame(_shape(rollup, history), lang)
    frame.show(rollup, history, lang, metric_name or metric_label(rollup.default_metric, lang))
    return frame.fig


_FRAMES = threading.local()
_MAX_FRAMES = 8  # frames kept per thread (shapes: bars x language x series x target)

Shape = tuple[int, bool, bool]  # bars, with a series, with the unit's target line over it


def _shape(rollup: Rollup, history: list[tuple[date, int]]) -> Shape:
    unit_m = rollup.unit.metrics.get(rollup.default_metric)
    return len(rollup.children or [rollup.unit]), bool(history), bool(history) and bool(unit_m and unit_m.target)


def _frame(shape: Shape, lang: str) -> _Frame:
    """The calling thread's frame of that shape and language (made on first use)."""
    kept: dict[tuple[Shape, str], _Frame] | None = getattr(_FRAMES, "by_shape", None)
    if kept is None:
        kept = _FRAMES.by_shape = {}
    frame = kept.get((shape, lang))
    if frame is None:
        if len(kept) >= _MAX_FRAMES:
            kept.clear()
        frame = kept[(shape, lang)] = _Frame(shape, lang)
    return frame


class _Frame:
    """A figure of one shape and language. What does not depend on the data (the figure, both axes, their
    ticks, grid, spines and formatters, the legend, the 100 % line) is made once; `show` replaces what does
    (titles, bars, value labels, the series, the target line, limits and tick labels). A frame shown
    again draws the same pixels as a new one (tests/test_chart_render.py); half the drawing time of a
    chart was making the axes and their ticks."""

    def __init__(self, shape: Shape, lang: str) -> None:
        from matplotlib.patches import Patch

        n, self.with_series, self.with_target = shape
        self.n = n
        _w_px, h_px = chart_size(n)
        self.height_in = height_in = h_px / DPI
        self.fig = fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
        _Canvas(fig)
        self.title = fig.text(0.5, 1 - 0.3 / height_in, "", ha="center", va="center", fontsize=14,
                              fontweight="bold")
        fig.legend(handles=[Patch(facecolor=c, label=label) for c, label in legend_entries(lang)], loc="center",
                   bbox_to_anchor=(0.42, 1 - 0.58 / height_in), ncol=5, fontsize=8, frameon=False,
                   handlelength=1.2, columnspacing=1.0)
        # -- bars: % of target per unit (placed by `show`: the left margin follows the longest name) ----
        self.ax = ax = fig.add_axes(self._bars_box(1.0))
        ax.set_ylim(n - 0.5, -0.5)  # first (best) unit at the top
        ax.axvline(100, color="#1565c0", linestyle="--", linewidth=1.6, zorder=3)
        ax.text(100, -0.5, " " + t("chart.target_line", lang), color="#1565c0", fontsize=9, va="bottom",
                ha="center", clip_on=False)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}%"))
        ax.tick_params(axis="x", labelsize=9)
        ax.grid(axis="x", color="#e0e0e0", zorder=0)
        # -- cumulative over time -------------------------------------------------------------------
        self.lx = lx = fig.add_axes((0.9 / WIDTH_IN, BOTTOM_IN / height_in, (WIDTH_IN - 0.9 - 0.35) / WIDTH_IN,
                                     (LINE_IN - 0.35) / height_in))
        lx.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: fmt.num(y, lang)))
        lx.tick_params(axis="y", labelsize=9)
        lx.grid(color="#e0e0e0")
        for a in (ax, lx):
            for side in ("top", "right"):
                a.spines[side].set_visible(False)
        self._shown: list[Any] = []  # the artists of the data shown last

    def _bars_box(self, left_in: float) -> tuple[float, float, float, float]:
        bars_h = self.n * BAR_IN
        bottom = self.height_in - TITLE_IN - bars_h
        return left_in / WIDTH_IN, bottom / self.height_in, (WIDTH_IN - left_in - 1.25) / WIDTH_IN, bars_h / self.height_in

    def show(self, rollup: Rollup, history: list[tuple[date, int]], lang: str, mname: str) -> None:
        for artist in self._shown:
            artist.remove()
        self._shown = []
        metric = rollup.default_metric
        units: list[UnitFigures] = rollup.children or [rollup.unit]
        names = [_short(u.name) for u in units]
        self.title.set_text(t("chart.title", lang, metric=mname, unit=_short(rollup.unit.name),
                              day=fmt.day(rollup.day, lang, year=True)))
        ax = self.ax
        ax.set_position(self._bars_box(min(3.0, 0.35 + 0.092 * max(len(x) for x in names))))
        pcts = [u.metrics[metric].pct if metric in u.metrics else None for u in units]
        vals = [min(p, 999.0) if p is not None else 0.0 for p in pcts]
        ys = list(range(self.n))
        self._shown.append(ax.barh(ys, vals, height=0.68, color=[_color(p) if p is not None else GREY for p in pcts],
                                   zorder=2))
        top = max(110.0, max(vals) * 1.02)
        ax.set_xlim(0, top)
        ax.set_yticks(ys, labels=names, fontsize=11)
        for y, u, p, v in zip(ys, units, pcts, vals, strict=True):
            m = u.metrics.get(metric)
            if p is None or m is None:
                label = t("chart.no_target", lang)
            else:
                label = fmt.pct(p, lang) + (f"  +{fmt.num(m.today, lang)}" if m.today else "")
            self._shown.append(ax.text(min(v, top) + top * 0.01, y, label, va="center", ha="left", fontsize=10,
                                       clip_on=False, zorder=4,
                                       bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85}))
        # y given: matplotlib does not measure the axes to place the title (nothing is drawn above it)
        self.lx.set_title(t("chart.history", lang, metric=mname, unit=_short(rollup.unit.name)), fontsize=11,
                          loc="left", y=1.0)
        if history:
            self._series(rollup.unit.metrics.get(metric), history, lang)

    def _series(self, unit_m: MetricFigures | None, history: list[tuple[date, int]], lang: str) -> None:
        lx = self.lx
        days = [d for d, _ in history]
        xs = list(range(len(days)))
        ys_h = [v for _, v in history]
        lx.ignore_existing_data_limits = True  # the y range (no target) is the new series' alone
        self._shown += lx.plot(xs, ys_h, color="#1565c0", linewidth=2, marker="o", markersize=3)
        self._shown.append(lx.fill_between(xs, ys_h, color="#1565c0", alpha=0.08))
        if unit_m is not None and unit_m.target:
            self._shown.append(lx.axhline(unit_m.target, color="#2e7d32", linestyle="--", linewidth=1.2))
            self._shown.append(lx.text(0, unit_m.target, t("chart.target", lang, value=fmt.num(unit_m.target, lang)),
                                       va="bottom", fontsize=9, color="#2e7d32"))
            lo = min(ys_h)
            lx.set_ylim(lo - (unit_m.target - lo) * 0.05 if unit_m.target > lo else lo * 0.95, unit_m.target * 1.08)
        step = max(1, len(xs) // 7)
        lx.set_xticks(xs[::step], labels=[fmt.day(d, lang) for d in days[::step]], fontsize=9)
        lx.set_xlim(-0.5, len(xs) - 0.5)


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
