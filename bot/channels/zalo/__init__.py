"""The Zalo channel: the same bot on Zalo's Bot API (docs/zalo.md).

- `client`    a thin async client of the Zalo Bot API (httpx; token redacted; retries; 2,000-char splitting)
- `text`      HTML catalog text -> Zalo plain text; typed command words ("tiendo", "/huy", "dang ky ABC")
- `linking`   one person on two channels: one-time link codes (used by Telegram's /lienketzalo too)
- `dispatch`  one Zalo message -> the same domain services the Telegram handlers call -> replies
- `delivery`  scheduled reminders and summaries to chats whose channel is "zalo" (the scheduler's outbox)
- `web`       the bot's small web server: webhook, chart photos, export downloads (HMAC-signed, expiring links)
- `files`     what those links render (summary charts, /bieudo charts, /xuat workbooks)
- `runner`    the poll loop / webhook worker that ties them together (`vneid-bot run` with CHANNELS=zalo|both)
"""

CHANNEL = "zalo"
