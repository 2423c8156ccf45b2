"""Logging that never shows the bot token."""

from __future__ import annotations

import logging
import re

TOKEN_REJECTED = "the Bot API rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): copy the token again from @BotFather"
TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactFilter(logging.Filter):
    """Replaces the configured token (and anything shaped like a bot token) in every record."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return TOKEN_RE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ == "InvalidToken" and type(exc).__module__.startswith("telegram"):
            # PTB logs a rejected token with a ~100-line traceback whose last line quotes the token: one line
            record.msg, record.args, record.exc_info, record.exc_text = TOKEN_REJECTED, None, None, None
            return True
        msg = record.getMessage()
        clean = self.redact(msg)
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(formatted)
        if clean != msg or record.args:
            record.msg, record.args = clean, None
        return True


def setup_logging(level: str = "INFO", secrets: list[str] | None = None) -> RedactFilter:
    flt = RedactFilter(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for h in root.handlers:
        h.addFilter(flt)
    # httpx logs every request URL, and Bot API URLs contain the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return flt
