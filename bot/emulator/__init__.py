"""A local Telegram Bot API server for tests and the demo (DESIGN.md §6).

    emu = Emulator()                      # token "123456:TEST", Telegram's limits
    await emu.start()                     # a free port on 127.0.0.1
    app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url)...
    emu.send_message(chat_id, User(1, "An"), "/tiendo")
    replies = await emu.wait_for_messages(chat_id)
"""

from .client import ControlClient, ControlError
from .models import SEND_METHODS, ApiError, EmulatorStats, Limits, SentMessage, User
from .server import Emulator

__all__ = [
    "SEND_METHODS",
    "ApiError",
    "ControlClient",
    "ControlError",
    "Emulator",
    "EmulatorStats",
    "Limits",
    "SentMessage",
    "User",
]
