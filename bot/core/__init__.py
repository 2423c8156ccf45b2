"""Domain rules and services: no Telegram, no rendering."""
