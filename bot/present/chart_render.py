"""Drawing progress charts at broadcast scale: each picture drawn once, off the event loop.

* **Cache.** A bounded, in-process LRU of PNGs keyed by a digest of everything the picture is drawn from:
  the roll-up (unit, day, the figures of every bar), the cumulative series, the language, the metric's
  display name and `RENDER_VERSION`. Several groups bound to the same unit get the same bytes without a
  second drawing; a new report changes the roll-up or the series, hence the key: the next summary is
  drawn again (nothing to invalidate by hand, an entry that is no longer asked for ages out).
* **Pool.** `ChartRenderer.render` draws in a `ProcessPoolExecutor` (spawned workers, at most
  `workers`), so matplotlib holds neither the event loop nor the GIL of the process that paces the
  sends. Two calls for the same key while it is being drawn share one drawing. If the pool cannot start
  (or breaks), the chart is drawn in a thread of this process instead: slower, never lost.
* **Workers never outlive the bot.** Each worker runs at a lower priority (the event loop first), ignores SIGINT (^C is the parent's to handle) and
  watches its parent: when the parent is gone (kill -9 included) the worker exits within a second.
  `close()` (the application's shutdown) cancels what is queued and joins the workers.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from typing import Any

from bot.core.rollup import Rollup

log = logging.getLogger(__name__)

#: change when the same inputs give another picture (a new layout): cached PNGs of the old one are not reused
RENDER_VERSION = 1
CACHE_ENTRIES = 2048
CACHE_BYTES = 96 * 1024 * 1024
PARENT_POLL_S = 0.5
WORKER_NICE = 5  # lower priority than the bot's process: texts are paced on time, charts use the CPU left
MAX_POOL_STARTS = 3  # a pool that keeps breaking is given up: in-thread drawing from then on

History = list[tuple[date, int]]


def chart_key(rollup: Rollup, history: History, lang: str, metric_name: str) -> str:
    """The digest of what determines the picture (the dataclasses' reprs hold every field, in order)."""
    raw = repr((RENDER_VERSION, lang, metric_name, rollup, tuple(history)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ChartCache:
    """A thread-safe LRU of PNG bytes, bounded in entries and in bytes."""

    def __init__(self, entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            png = self._data.get(key)
            if png is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return png

    def put(self, key: str, png: bytes) -> None:
        if len(png) > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._data[key] = png
            self._bytes += len(png)
            while len(self._data) > self.entries or self._bytes > self.max_bytes:
                _k, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


# ---- the worker side ---------------------------------------------------------------------------


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(0)  # the bot is gone (kill -9 included): never linger as an orphan


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError):  # the bot's process (event loop, pacing) comes first
        os.nice(WORKER_NICE)
    threading.Thread(target=_watch_parent, args=(parent,), name="chart-parent-watch", daemon=True).start()
    from bot.present.charts import use_chart_fonts  # matplotlib and the fonts, once per worker

    use_chart_fonts()


def _draw_in_worker(rollup: Rollup, history: History, lang: str, metric_name: str) -> bytes:
    from bot.present.charts import render_png

    return render_png(rollup, history, lang, metric_name)


def _draw(rollup: Rollup, history: History, lang: str, metric_name: str) -> bytes:
    from bot.present.charts import progress_chart

    return progress_chart(rollup, history, lang, metric_name)


def _ping() -> int:
    return os.getpid()


# ---- the renderer --------------------------------------------------------------------------------


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class ChartRenderer:
    """Cache + pool. `workers=0`: no pool (every chart drawn in a thread of this process)."""

    def __init__(self, workers: int | None = None, *, cache: ChartCache | None = None,
                 draw: Callable[[Rollup, History, str, str], bytes] = _draw) -> None:
        self.workers = default_workers() if workers is None else max(0, workers)
        self.cache = cache or ChartCache()
        self._draw = draw  # in-thread drawing (the pool always runs `_draw_in_worker`)
        self._pool: ProcessPoolExecutor | None = None
        self._starts = 0
        self._lock = threading.Lock()
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self.drawn = 0  # pictures drawn (pool or thread), for tests and benchmarks
        self.drawn_in_pool = 0

    # ---- the pool --------------------------------------------------------------------------------

    @property
    def pool_running(self) -> bool:
        return self._pool is not None

    def start(self) -> bool:
        """Start the pool (idempotent). False: no pool (workers=0, or it cannot start): in-thread drawing."""
        with self._lock:
            if self._pool is not None:
                return True
            if self.workers == 0 or self._starts >= MAX_POOL_STARTS:
                return False
            self._starts += 1
            try:
                ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
                self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                                 initargs=(os.getpid(),))
            except Exception as exc:  # noqa: BLE001 - no pool: charts are drawn in threads
                log.warning("chart pool cannot start (%r): drawing charts in threads", exc)
                self._pool = None
                return False
            log.info("chart pool started: %d worker processes", self.workers)
            return True

    def warm(self) -> Future[Any] | None:
        """Start the pool and have every worker import matplotlib now (not on the first broadcast)."""
        if not self.start() or self._pool is None:
            return None
        try:
            return self._pool.submit(_ping)
        except Exception:  # noqa: BLE001
            self._broken()
            return None

    def _broken(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            log.warning("chart pool broke: drawing in threads until it restarts")
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Cancel what is queued, join the workers (each finishes at most the chart it is drawing)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # ---- drawing -------------------------------------------------------------------------------

    def render_now(self, rollup: Rollup, history: History, lang: str, metric_name: str) -> bytes:
        """The PNG, from the cache or drawn in the calling thread."""
        key = chart_key(rollup, history, lang, metric_name)
        png = self.cache.get(key)
        if png is None:
            png = self._draw(rollup, history, lang, metric_name)
            self.drawn += 1
            self.cache.put(key, png)
        return png

    async def render(self, rollup: Rollup, history: History, lang: str, metric_name: str, *,
                     pool: bool = True) -> bytes:
        """The PNG, from the cache, or drawn once in the pool (`pool` and a pool can run), else in a thread."""
        key = chart_key(rollup, history, lang, metric_name)
        png = self.cache.get(key)
        if png is not None:
            return png
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            png = await self._draw_once(rollup, history, lang, metric_name, pool)
            self.cache.put(key, png)
            fut.set_result(png)
            return png
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except Exception as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._inflight.pop(key, None)

    async def _draw_once(self, rollup: Rollup, history: History, lang: str, metric_name: str, pool: bool) -> bytes:
        if pool and self.start() and self._pool is not None:
            try:
                cf = self._pool.submit(_draw_in_worker, rollup, history, lang, metric_name)
                png = await asyncio.wrap_future(cf)
                self.drawn += 1
                self.drawn_in_pool += 1
                return png
            except (BrokenProcessPool, RuntimeError, OSError) as exc:  # a worker died, or shut down meanwhile
                log.warning("chart pool failed (%r): drawing this chart in a thread", exc)
                self._broken()
        png = await asyncio.to_thread(self._draw, rollup, history, lang, metric_name)
        self.drawn += 1
        return png


_SHARED: ChartRenderer | None = None
_SHARED_LOCK = threading.Lock()


def shared_renderer(workers: int | None = None) -> ChartRenderer:
    """The process's renderer (one cache and one pool for every scheduler and chart link of the process);
    `workers` is used when it is first made."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ChartRenderer(None if workers is None else min(workers, os.cpu_count() or 1))
        return _SHARED


def close_shared() -> None:
    """Stop the shared renderer's pool (the application's shutdown; also at interpreter exit)."""
    with _SHARED_LOCK:
        r = _SHARED
    if r is not None:
        r.close()


atexit.register(close_shared)
