"""Prometheus metrics of the web app. Labels name kinds of things (channel, outcome, reason),
never anything a user wrote."""

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter("chat_messages_total", "User messages received", ["channel", "handled_by"])
HANDOFFS = Counter("chat_handoffs_total", "Cases handed to the hotline", ["live"])
ASSISTANT_LATENCY = Histogram(
    "assistant_latency_seconds", "Time for the assistant to answer one message",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6),
)
ERRORS = Counter("chat_errors_total", "Answers the user got instead of the assistant's", ["reason"])
LIVE_CONVERSATIONS = Gauge("chat_live_conversations", "Conversations waiting for or talking with staff")
