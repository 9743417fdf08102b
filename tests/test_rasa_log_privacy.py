"""Rasa's own log lines never carry what a user wrote (bot.privacy.log_fields, bot.rasa_run).

Rasa 3.6 logs the message text when the web app stops waiting for an answer
(`rest.message.received.timeout`); under load that put a name into rasa.log.
"""

import subprocess
from pathlib import Path

import pytest

from bot.privacy.log_fields import WITHHELD, withhold_user_text

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
SECRET = "Mikkel fra Vejen"
LOG_A_TIMEOUT = """
import logging, sys
{patch}
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.INFO)
import rasa.core.channels.rest as rest
rest.structlogger.error("rest.message.received.timeout", text={secret!r}, attempt=2)
"""


def test_the_processor_withholds_every_field_but_the_event_and_numbers():
    event = withhold_user_text(None, "error", {"event": "rest.message.received.timeout", "text": SECRET,
                                               "user_text": [SECRET], "attempt": 2, "level": "error"})
    assert event == {"event": "rest.message.received.timeout", "text": WITHHELD, "user_text": WITHHELD,
                     "attempt": 2, "level": "error"}


def _rasa_logs(patch: str) -> str:
    program = LOG_A_TIMEOUT.format(patch=patch, secret=SECRET)
    result = subprocess.run([str(RASA_PYTHON), "-c", program], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa's environment (.venv-rasa) is made by make test")
def test_rasa_started_by_our_launcher_logs_a_timeout_without_the_text():
    unpatched = _rasa_logs("")
    assert SECRET in unpatched, "Rasa no longer logs the text: the launcher's patch may be unneeded"
    logged = _rasa_logs("import bot.rasa_run; bot.rasa_run.withhold_user_text_in_rasa_logs()")
    assert "rest.message.received.timeout" in logged and SECRET not in logged
