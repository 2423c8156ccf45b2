"""The one conversation core: a `Turn` in, `Reply` items out; the router (`Conversation`) holds the role
gate, refusal audit, usage lines and help, and the one translation of service results into replies.
Channel adapters (handlers/ for Telegram, bot/zalo/dispatch.py for Zalo) only translate."""

from bot.conversation.channel import TELEGRAM, ZALO, Channel, zalo
from bot.conversation.router import Conversation, Core
from bot.conversation.turn import Attachment, Choice, Deferred, Person, Progress, Reply, Turn
from bot.conversation.work import Worker

__all__ = ["TELEGRAM", "ZALO", "Attachment", "Channel", "Choice", "Conversation", "Core", "Deferred", "Person",
           "Progress", "Reply", "Turn", "Worker", "zalo"]
