"""Settings, read from the environment and `.env` (names are a contract, see DESIGN §2a)."""

from __future__ import annotations

import zoneinfo
from datetime import time
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line that names it."""


CHANNEL_NAMES = ("telegram", "zalo", "zalo_oa")


def channel_set(value: str) -> frozenset[str]:
    """ "both" -> {telegram, zalo}; "telegram,zalo_oa" -> {telegram, zalo_oa}; unknown names -> ValueError."""
    out: set[str] = set()
    for part in value.replace(";", ",").replace("+", ",").split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name == "both":
            out |= {"telegram", "zalo"}
        elif name in CHANNEL_NAMES:
            out.add(name)
        else:
            raise ValueError(f"unknown channel {name!r} (telegram, zalo, zalo_oa, both)")
    return frozenset(out)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str | None = None
    database_url: str = "sqlite:///vneid-bot.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    language: Literal["vi", "en"] = "vi"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_metric: str = "l2"
    lock_days: int = Field(default=3, ge=0, le=365)
    max_daily_value: int = Field(default=500, ge=1)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    default_reminder_time: time = time(16, 30)
    default_summary_time: time = time(20, 0)
    default_weekly_day: int = Field(default=6, ge=0, le=6)  # 0 = Monday ... 6 = Sunday
    escalate_after_days: int = Field(default=2, ge=1, le=60)
    catchup_grace_hours: float = Field(default=3.0, ge=0, le=48)
    # durable retries (RELIABILITY.md): a confirmation that failed is retried for this long, then dropped
    confirm_retry_hours: float = Field(default=2.0, gt=0, le=48)
    # charts of a broadcast (bot/present/chart_render.py): drawn in this many worker processes (0: in threads
    # of the bot's process), once a tick has at least chart_pool_min daily summaries to send
    chart_workers: int = Field(default=2, ge=0, le=16)
    chart_pool_min: int = Field(default=20, ge=1)
    # an update that failed or killed the process this many times is parked in the dead letters
    max_update_attempts: int = Field(default=3, ge=1, le=100)
    # import bounds (bot/core/importer.py ImportLimits): checked before and while a file is parsed
    import_max_file_mb: int = Field(default=10, ge=1, le=50)
    import_max_uncompressed_mb: int = Field(default=40, ge=1, le=200)
    import_max_ratio: int = Field(default=100, ge=2, le=10_000)
    import_max_sheets: int = Field(default=10, ge=1, le=100)
    import_max_rows: int = Field(default=20_000, ge=1, le=200_000)
    import_max_columns: int = Field(default=40, ge=5, le=1_000)
    import_max_cell_chars: int = Field(default=1_000, ge=100, le=32_767)
    # Zalo channel (bot/channels/zalo/, docs/zalo.md)
    # "telegram" | "zalo" | "zalo_oa" | "both" (= telegram,zalo) or a comma list, e.g. "telegram,zalo_oa"
    channels: str = "telegram"
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com/bot"
    zalo_webhook_secret: SecretStr | None = None
    zalo_public_base_url: str | None = None
    zalo_web_port: int = Field(default=8088, ge=1, le=65535)
    # the bot's display name as Zalo shows it ("Bot VNeID Tân Hòa"): group messages start with "@" + it;
    # getMe does not return it (only id, account_name, account_type, can_join_groups)
    zalo_bot_display_name: str | None = Field(default=None, max_length=120)
    # the plan's caps (Basic plan as publicly reported; docs/zalo.md): messages the bot may send a month
    zalo_monthly_messages: int = Field(default=3000, ge=1)
    zalo_quota_warn_percent: int = Field(default=80, ge=1, le=100)
    # budget mode "gop" (batched): confirmations in a group go out as one message every this many minutes
    zalo_batch_minutes: float = Field(default=5.0, gt=0, le=120)
    # Telegram groups in the "reaction" confirmation style (/kieuxacnhan): a digest of what was stored, at
    # most once per this many minutes (docs/telegram-limits.md)
    reaction_digest_minutes: float = Field(default=5.0, gt=0, le=120)
    # which of our own Telegram rate limits a reaction goes through (Telegram documents none for reactions):
    # messages = like a message (30/s per token and 20/min per group; the default), token = the 30/s only,
    # none = not throttled (a 429 is still waited out). docs/telegram-limits.md says when to change it.
    telegram_reaction_limits: Literal["messages", "token", "none"] = "messages"
    # Zalo Official Account channel (bot/channels/zalo/oa*.py, docs/zalo.md §OA)
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None  # the app's secret key (OAuth v4 "secret_key" header)
    zalo_oa_secret_key: SecretStr | None = None  # the OA secret key (webhook X-ZEvent-Signature)
    zalo_oa_api_base_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_oa_public_base_url: str | None = None
    zalo_oa_web_port: int = Field(default=8089, ge=1, le=65535)
    zalo_oa_monthly_messages: int = Field(default=100000, ge=1)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, v: object) -> object:
        if isinstance(v, str):
            return [int(p) for p in v.replace(";", ",").split(",") if p.strip()]
        if isinstance(v, int):
            return [v]
        return v

    @field_validator("channels")
    @classmethod
    def _check_channels(cls, v: str) -> str:
        names = channel_set(v)
        if not names:
            raise ValueError("must name at least one of telegram, zalo, zalo_oa (or both)")
        return v.strip().lower()

    @property
    def channel_names(self) -> frozenset[str]:
        return channel_set(self.channels)

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {v!r}") from exc
        return v

    @field_validator("default_metric")
    @classmethod
    def _check_metric(cls, v: str) -> str:
        v = v.strip().lower()
        if not v.isidentifier() or len(v) > 16:
            raise ValueError("must be a short metric code such as l1 or l2")
        return v

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def file_base_url(self) -> str:
        if self.telegram_api_file_url:
            return self.telegram_api_file_url
        base = self.telegram_api_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base

    def token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value().strip():
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env")
        return self.telegram_bot_token.get_secret_value().strip()

    def zalo_token(self) -> str:
        tok = self.zalo_bot_token.get_secret_value().strip() if self.zalo_bot_token else ""
        if not tok:
            raise SettingsError("ZALO_BOT_TOKEN is not set: create a bot with Zalo Bot Creator and put its token in .env")
        return tok


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation errors into one clear line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "settings"
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {msg}") from None
