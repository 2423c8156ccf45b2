"""PTB's AIORateLimiter, with reactions throttled as TELEGRAM_REACTION_LIMITS says (docs/telegram-limits.md).

PTB throttles every request that names a chat: at most 30 per second per token, and 20 per minute for a
group (a negative chat id). Telegram documents those limits for *messages*; for setMessageReaction it
documents none. ``messages`` (the default) throttles a reaction like a message, the safe assumption;
``token`` keeps it in the 30 per second but out of the 20 per minute of its group (a reaction posts no
message in the group); ``none`` throttles it not at all. A 429 that Telegram does answer is waited out
in every mode (PTB then holds every request for the time Telegram asked: hence the safe default).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]

ReactionLimits = Literal["messages", "token", "none"]
REACTION_ENDPOINT = "setMessageReaction"


class ReactionAwareRateLimiter(AIORateLimiter):
    def __init__(self, reactions: ReactionLimits = "messages", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reactions = reactions

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint == REACTION_ENDPOINT and self.reactions != "messages":
            # `data` only decides which limiters apply (the request itself is in args/kwargs): a positive
            # chat id takes the per-token limiter only, no chat id takes none
            data = {"chat_id": 1} if self.reactions == "token" else {}
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
