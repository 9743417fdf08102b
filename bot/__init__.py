"""Danish assistant for worries about extremism: knowledge, privacy, store, web app and CLI."""
