"""Custom actions for the Rasa assistant. Thin: read slots, call bot.knowledge, dispatch responses."""
