# Shared by run.sh and test.sh: start the action server and the Rasa server on loopback, and the
# web app (the only public port). Source it; it defines prepare_store, start_maintenance,
# start_actions, start_rasa, start_web, wait_for_url and stop_services. DATABASE_URL, TRACKER_STORE_URL and HANDOFF_SPOOL_DIR default to files under
# var/ (see bot/store/settings.py) when unset.

: "${RASA_PORT:=5005}" "${ACTION_PORT:=5055}" "${WEB_PORT:=8000}"
export RASA_PORT ACTION_PORT WEB_PORT RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
export SANIC_HOST=127.0.0.1   # the action server listens on loopback only
export LOG_LEVEL=INFO LOG_LEVEL_LIBRARIES=ERROR   # Rasa: never DEBUG, which would log message text
LOG_DIR=${LOG_DIR:-var/log}
mkdir -p "$LOG_DIR"

if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  RASA_AUTH_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
  echo "RASA_AUTH_TOKEN is not set: using a random token for this run."
fi
export RASA_AUTH_TOKEN

prepare_store() {
  .venv/bin/python -m bot migrate >>"$LOG_DIR/migrate.log" 2>&1 \
    || { echo "Could not prepare the handoff database; see $LOG_DIR/migrate.log" >&2; tail -n 20 "$LOG_DIR/migrate.log" >&2; return 1; }
}

# Writes spooled handoffs, expires unclaimed cases and purges what is past retention.
start_maintenance() {
  .venv/bin/python -m bot maintain >"$LOG_DIR/maintenance.log" 2>&1 &
  SERVICE_PIDS+=($!)
}

# start_actions [PORT [LOG_NAME]]: default ACTION_PORT and $LOG_DIR/actions.log. The started
# process's id is in $! afterwards (as for start_rasa and start_web).
start_actions() {
  .venv/bin/python -m rasa_sdk --actions actions --port "${1:-$ACTION_PORT}" \
    >"$LOG_DIR/${2:-actions}.log" 2>&1 &
  SERVICE_PIDS+=($!)
}

# start_rasa [PORT [LOG_NAME [ENDPOINTS]]]: default RASA_PORT, $LOG_DIR/rasa.log, endpoints.yml.
# bot.rasa_run gives Rasa RASA_AUTH_TOKEN from the environment, so `ps` never shows it. Rasa's HTTP
# API (/model/parse, /status, trackers) only with RASA_API=1 (make test's gates use /model/parse);
# the web app needs only the REST channel and "/".
start_rasa() {
  .venv-rasa/bin/python -m bot.rasa_run run --model models/current.tar.gz --interface 127.0.0.1 \
    --port "${1:-$RASA_PORT}" ${RASA_API:+--enable-api} --credentials credentials.yml \
    --endpoints "${3:-endpoints.yml}" >"$LOG_DIR/${2:-rasa}.log" 2>&1 &
  SERVICE_PIDS+=($!)
}

# The web app: demo page with the chat widget, chat endpoints and the staff desk (WEB_HOST, default
# 127.0.0.1; set WEB_HOST=0.0.0.0 to accept other machines).
# start_web [PORT [LOG_NAME]]: default WEB_PORT and $LOG_DIR/web.log.
start_web() {
  WEB_PORT="${1:-$WEB_PORT}" .venv/bin/python -m bot.web >"$LOG_DIR/${2:-web}.log" 2>&1 &
  SERVICE_PIDS+=($!)
}

# wait_for_url URL SECONDS NAME: poll until the URL answers, or fail with the log's tail.
wait_for_url() {
  local url=$1 seconds=$2 name=$3
  for _ in $(seq "$seconds"); do
    if curl --silent --fail --output /dev/null "$url"; then return 0; fi
    sleep 1
  done
  echo "$name did not start within ${seconds}s; last log lines:" >&2
  tail -n 30 "$LOG_DIR/$name.log" >&2
  return 1
}

stop_services() {
  for pid in "${SERVICE_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

SERVICE_PIDS=()
