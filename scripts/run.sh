#!/usr/bin/env bash
# `make run`: the web app on http://localhost:8000 (demo page, chat, staff desk at /staff), with the
# action server and the Rasa server (REST channel, HTTP API on 127.0.0.1 with a token) behind it.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap stop_services EXIT INT TERM

prepare_store
start_maintenance
start_actions
start_rasa
start_web
wait_for_url "http://127.0.0.1:$ACTION_PORT/health" 60 actions
wait_for_url "http://127.0.0.1:$RASA_PORT/" 300 rasa
wait_for_url "http://127.0.0.1:$WEB_PORT/healthz" 60 web
echo "Chat demo:   http://localhost:$WEB_PORT/"
echo "Staff desk:  http://localhost:$WEB_PORT/staff  (create an account: .venv/bin/python -m bot staff add NAME)"
echo "Behind it on 127.0.0.1: Rasa on port $RASA_PORT, actions on port $ACTION_PORT (logs in $LOG_DIR)"
echo "Press Ctrl-C to stop."
wait -n
