"""Reading what a person writes: a pretrained sentence encoder and trained situation readers.

Runs inside Rasa's environment (.venv-rasa), where the NLU pipeline calls it
(rasa_components/); the actions read its results from the parsed message.
"""
