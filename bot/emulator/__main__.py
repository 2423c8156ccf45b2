"""``python -m bot.emulator --port 8081 [--token T] [--no-limits]``: run the emulator standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from .models import Limits
from .server import Emulator


async def _serve(args: argparse.Namespace) -> None:
    limits = Limits.off() if args.no_limits else Limits(group_window=args.group_window)
    emu = Emulator(args.token, limits=limits, bot_username=args.username, privacy_mode=args.privacy_mode)
    await emu.start(args.host, args.port)
    print(f"Telegram Bot API emulator on {emu.url}", flush=True)
    print(f"  TELEGRAM_API_BASE_URL={emu.base_url}", flush=True)
    print(f"  base_file_url={emu.base_file_url}", flush=True)
    print(f"  TELEGRAM_BOT_TOKEN={emu.token}", flush=True)
    print(f"  control API: {emu.url}/control/...", flush=True)
    stop = asyncio.Event()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="VneidTestBot")
    parser.add_argument("--no-limits", action="store_true", help="disable the flood (429) limits")
    parser.add_argument("--group-window", type=float, default=60.0,
                        help="seconds of the per-group window (20 messages per window)")
    parser.add_argument("--privacy-mode", action="store_true",
                        help="hide plain group messages from the bot, as Telegram's privacy mode does")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
