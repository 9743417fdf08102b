#!/usr/bin/env bash
# `make run-prod`: the production topology on one machine, all on loopback. nginx serves the
# public port and balances two web apps, two Rasa replicas and two action servers; PostgreSQL
# holds the handoffs and Rasa's anonymised tracker, Redis Rasa's locks and the web apps' shared
# chat state. Uses the machine's PostgreSQL and Redis (PROD_POSTGRES_URL, PROD_REDIS_URL).
# One instance may stop and the others carry on; Ctrl-C (or TERM) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prod_services.sh
trap stop_prod_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check_prod_ports
prepare_prod_backing
start_prod_maintenance
start_prod_actions 1
start_prod_actions 2
# The first replica creates the tracker tables; the second starts once the first answers.
start_prod_rasa 1
start_prod_web 1
start_prod_web 2
wait_prod actions-1 60
wait_prod actions-2 60
wait_prod web-1 60
wait_prod web-2 60
start_prod_nginx
wait_prod nginx 30
echo "Waiting for Rasa replica 1 to load the model..."
wait_prod rasa-1 300
start_prod_rasa 2
wait_prod rasa-2 300

shown_db_url=$DATABASE_URL
[[ $DATABASE_URL == *://*:*@* ]] && shown_db_url='<DATABASE_URL>'   # never print a password
cat <<EOF

Chat demo:   http://localhost:$PROD_WEB_PORT/
Staff desk:  http://localhost:$PROD_WEB_PORT/staff  (create an account: DATABASE_URL=$shown_db_url .venv/bin/python -m bot staff add NAME)

Public port on $PROD_WEB_HOST, everything else on 127.0.0.1 (process ids in $PROD_PID_DIR, logs in $LOG_DIR):
  nginx        :$PROD_WEB_PORT public -> web apps; :$RASA_PORT -> Rasa; :$ACTION_PORT -> actions  (pid $(prod_pid nginx))
  web app 1    :$WEB_1_PORT  (pid $(prod_pid web-1))      web app 2    :$WEB_2_PORT  (pid $(prod_pid web-2))
  Rasa 1       :$RASA_1_PORT  (pid $(prod_pid rasa-1))      Rasa 2       :$RASA_2_PORT  (pid $(prod_pid rasa-2))
  actions 1    :$ACTION_1_PORT  (pid $(prod_pid actions-1))      actions 2    :$ACTION_2_PORT  (pid $(prod_pid actions-2))
  maintenance  (pid $(prod_pid maintenance))
Handoffs: $PROD_HANDOFF_DB, tracker: $PROD_TRACKER_DB (PostgreSQL); Redis db $LOCK_STORE_DB: Rasa's locks, db $CHAT_STATE_DB: chat state.
Press Ctrl-C to stop.
EOF

# Keep running while any process does; say when one stops (the others take over its work).
declare -A reported=()
while :; do
  alive=0
  for name in "${!PROD_PIDS[@]}"; do
    if _prod_alive "${PROD_PIDS[$name]}"; then
      alive=1
    elif [ -z "${reported[$name]:-}" ]; then
      echo "$(date +%T) $name (pid ${PROD_PIDS[$name]}) has stopped; see $LOG_DIR/$name.log"
      reported[$name]=1
    fi
  done
  [ "$alive" = 1 ] || { echo "Every process has stopped." >&2; exit 1; }
  sleep 2 &
  wait $! || true
done
