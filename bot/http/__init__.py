"""`xunda serve`: the HTTP API, the OpenAI-compatible chat endpoint and the web chat page, over the same
Conversation as the REPL and the Telegram bot."""
