"""The Telegram adapter: the PTB Application and its wiring (callbacks in handlers/)."""
