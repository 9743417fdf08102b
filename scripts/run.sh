#!/usr/bin/env bash
# `make run`: the action server and the Rasa server (REST channel, HTTP API on 127.0.0.1 with a
# token). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap stop_services EXIT INT TERM

prepare_store
start_maintenance
start_actions
start_rasa
wait_for_url "http://127.0.0.1:$ACTION_PORT/health" 60 actions
wait_for_url "http://127.0.0.1:$RASA_PORT/" 300 rasa
echo "Rasa REST channel: http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook (logs in $LOG_DIR)"
echo "Action server:     http://127.0.0.1:$ACTION_PORT/webhook"
echo "Press Ctrl-C to stop."
wait -n
