"""Custom Rasa NLU components. They run inside the Rasa environment (.venv-rasa)."""
