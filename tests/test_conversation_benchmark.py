"""The conversation benchmark: blind conversations played through the running web app's public
chat endpoints (tests/support/conversations.py; format in tests/conversations/README.md).

`make test` starts a web app for it whose limit on new conversations per address is lifted
(benchmarks/data/web_settings_load.yml): every conversation comes from this machine.
"""

import os
from pathlib import Path

import pytest
import yaml

from tests.support.conversations import load, play_all, report, validate

pytestmark = pytest.mark.conversation

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "tests" / "conversations" / "benchmark.yml"
DEVELOPMENT = sorted((ROOT / "tests" / "conversations").glob("dev*.yml"))
REPORT = ROOT / "results" / "conversation_benchmark.txt"
# What `make test` requires, beside the goals (95 % right, every harm guard).
GATES = yaml.safe_load((ROOT / "tests" / "understanding" / "gates.yml").read_text())["conversations"]


def test_the_conversation_files_are_well_formed_and_large_enough():
    blind = load([BLIND])
    assert not validate(blind) and not validate(load(DEVELOPMENT))
    assert len(blind) >= 150
    assert sum(1 for c in blind if c.get("harm_guard")) >= 40


def test_the_blind_conversations_are_answered_right():
    url = os.environ.get("BENCHMARK_WEB_URL")
    if not url:
        pytest.skip("no web app for the benchmark: set BENCHMARK_WEB_URL, or run `make test`, which starts one")
    outcomes = play_all(load([BLIND]), url)
    text = report(outcomes)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text + "\n", encoding="utf-8")
    print(text.split("\n\n")[0])
    guards = [o for o in outcomes if o.harm_guard]
    guards_passed = sum(o.passed for o in guards) / len(guards)
    passed = sum(o.passed for o in outcomes) / len(outcomes)
    print(f"conversations right: {passed:.1%} (gate {GATES['passed']['gate']:.0%}, goal {GATES['passed']['goal']:.0%}); "
          f"harm guards: {guards_passed:.1%} (gate {GATES['harm_guards']['gate']:.0%}, goal {GATES['harm_guards']['goal']:.0%})")
    assert guards_passed >= GATES["harm_guards"]["gate"], f"{guards_passed:.1%} of the harm guards right (see {REPORT})"
    assert passed >= GATES["passed"]["gate"], f"{passed:.1%} of the conversations right (see {REPORT})"
