"""Conversation side of xunda: answering, rendering, the CLI and REPL, and the Telegram bot."""
