#!/usr/bin/env bash
# `make test`: every check, fastest first. Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

export RASA_PORT=${TEST_RASA_PORT:-5105} ACTION_PORT=${TEST_ACTION_PORT:-5155} WEB_PORT=${TEST_WEB_PORT:-5180}
# The browser tests hand a case to staff at any hour of the day the tests run.
export LIVE_CHAT_HOURS=always
export LOG_DIR=results/logs
rm -rf results && mkdir -p results
# The running assistant stores into files of this run, which the privacy acceptance test scans.
export DATABASE_URL="sqlite:///$PWD/results/handoffs.db" TRACKER_STORE_URL="sqlite:///$PWD/results/tracker.db"
export HANDOFF_SPOOL_DIR="$PWD/results/spool" HANDOFF_HASH_KEY=test-run-key
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  echo "NOTE: TEST_POSTGRES_URL is not set, so the PostgreSQL store tests will be skipped (listed below)."
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  echo "NOTE: TEST_REDIS_URL is not set, so the tests of conversations shared through Redis will be skipped (listed below)."
fi
source scripts/services.sh
trap stop_services EXIT INT TERM

# Each step prints the clock time it starts at, so a slow CI run shows which stage took the time.
step() { printf '\n=== %s [%s]\n' "$*" "$(date +%H:%M:%S)"; }

# In CI (CI=true) any skipped test fails the run (tests/support/no_skips.py); elsewhere skips are listed.
PYTEST_ARGS=(-q -rs -p tests.support.no_skips)

step "Unit tests (knowledge, actions, anonymiser, store on SQLite and PostgreSQL, web app and staff desk)"
.venv/bin/python -m pytest "${PYTEST_ARGS[@]}" -m "not conversation and not faults" tests

step "Encoder and situation readers (in Rasa's environment)"
.venv-rasa/bin/python -m pytest "${PYTEST_ARGS[@]}" -c tests/understanding/pytest.ini tests/understanding

step "rasa data validate"
.venv/bin/python scripts/validate_data.py

step "NLU on the blind file: intents, FAQ topics, the kommune entity, every acute-danger message"
.venv-rasa/bin/rasa test nlu --nlu tests/understanding/heldout/nlu.yml --model models/current.tar.gz \
  --out results/nlu >results/logs/nlu_test.log 2>&1 || { tail -n 30 results/logs/nlu_test.log; exit 1; }
.venv/bin/python scripts/nlu_gate.py results/nlu

step "Test stories, end to end through the NLU (any failed story fails)"
.venv-rasa/bin/rasa test core --e2e --stories tests/stories --model models/current.tar.gz \
  --endpoints endpoints.yml --out results/core \
  >results/logs/core_test.log 2>&1 || { tail -n 40 results/logs/core_test.log; exit 1; }
.venv/bin/python scripts/stories_gate.py results/core

step "Starting the product: actions, Rasa, the web app (and one for the benchmark)"
prepare_store
start_maintenance
start_actions
RASA_API=1 start_rasa   # the understanding gate and the conversation tests use /model/parse
start_web
# The conversation benchmark opens every conversation from this machine: its web app does not
# limit new conversations per address (the load benchmark's settings).
BENCHMARK_WEB_PORT=$((WEB_PORT + 1))
WEB_SETTINGS=benchmarks/data/web_settings_load.yml start_web "$BENCHMARK_WEB_PORT" web-benchmark
wait_for_url "http://127.0.0.1:$ACTION_PORT/health" 60 actions
wait_for_url "http://127.0.0.1:$RASA_PORT/" 300 rasa
wait_for_url "http://127.0.0.1:$WEB_PORT/healthz" 60 web
wait_for_url "http://127.0.0.1:$BENCHMARK_WEB_PORT/healthz" 60 web-benchmark

step "Situation readers on the blind files, through the running Rasa server"
.venv/bin/python scripts/understanding_gate.py --rasa "http://127.0.0.1:$RASA_PORT"  # token: RASA_AUTH_TOKEN

step "Conversation benchmark, conversation, browser and accessibility tests against the running product"
RASA_URL="http://127.0.0.1:$RASA_PORT" WEB_URL="http://127.0.0.1:$WEB_PORT" \
  BENCHMARK_WEB_URL="http://127.0.0.1:$BENCHMARK_WEB_PORT" \
  .venv/bin/python -m pytest "${PYTEST_ARGS[@]}" -m conversation tests

step "Fault tests on the production topology (own Redis and PostgreSQL, parts stopped and started)"
.venv/bin/python -m pytest "${PYTEST_ARGS[@]}" -m faults tests
