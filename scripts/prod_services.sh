# The production topology on one machine, all on loopback (`make run-prod`, scripts/run_prod.sh).
# Source it (after `cd` to the repository); it sources scripts/services.sh and defines:
#
#   check_prod_ports            fail if a port of the topology is already taken
#   prepare_prod_backing        Redis answers; PostgreSQL answers, databases created, migrated
#   start_prod_maintenance      `python -m bot maintain` (one for the whole machine)
#   start_prod_actions N        action server N (1 or 2) on ACTION_<N>_PORT
#   start_prod_rasa N           Rasa replica N on RASA_<N>_PORT
#   start_prod_web N            web app instance N on WEB_<N>_PORT
#   start_prod_nginx            nginx: public port and the internal Rasa and action balancers
#   wait_prod NAME SECONDS      wait until NAME (rasa-1, web-2, nginx, ...) answers
#   prod_pid NAME               the process id of NAME, if it was started
#   stop_prod_process NAME      stop one process (TERM, then KILL after PROD_STOP_SECONDS)
#   stop_prod_services          stop everything this shell started, nginx first
#
# Each process's id is kept in PROD_PIDS[NAME] and in $LOG_DIR/pids/NAME.pid, so a test harness
# can stop one process and watch the others take over. Every port, URL and directory below can
# be set in the environment beforehand.

# Ports: nginx listens on the "public" and balancer ports; the instances behind it on the others.
: "${PROD_WEB_HOST:=127.0.0.1}" "${PROD_WEB_PORT:=8000}"      # public (nginx)
: "${RASA_PORT:=5005}" "${ACTION_PORT:=5055}"                  # internal balancers (nginx)
: "${RASA_1_PORT:=5015}" "${RASA_2_PORT:=5025}"
: "${ACTION_1_PORT:=5065}" "${ACTION_2_PORT:=5075}"
: "${WEB_1_PORT:=8010}" "${WEB_2_PORT:=8020}"
: "${LOG_DIR:=var/log/prod}"
: "${NGINX:=/usr/sbin/nginx}"
: "${PROD_STOP_SECONDS:=15}"
export PROD_WEB_HOST PROD_WEB_PORT RASA_1_PORT RASA_2_PORT ACTION_1_PORT ACTION_2_PORT WEB_1_PORT WEB_2_PORT LOG_DIR
LOG_DIR=$(mkdir -p "$LOG_DIR" && cd "$LOG_DIR" && pwd)   # absolute: nginx and pid files need it
PROD_PID_DIR="$LOG_DIR/pids"
NGINX_DIR="$LOG_DIR/nginx"
mkdir -p "$PROD_PID_DIR"

# services.sh: RASA_AUTH_TOKEN (random when unset), SANIC_HOST=127.0.0.1, Rasa's log levels, and
# the start functions reused below.
source scripts/services.sh

# Backing services (the machine's own PostgreSQL and Redis unless set otherwise).
: "${PROD_POSTGRES_URL:=postgresql://postgres@127.0.0.1:5432/postgres}"   # admin URL
: "${PROD_HANDOFF_DB:=bekymring_handoffs}" "${PROD_TRACKER_DB:=bekymring_tracker}"
: "${PROD_REDIS_URL:=redis://127.0.0.1:6379/0}"                           # the server; db ignored
: "${LOCK_STORE_DB:=1}" "${CHAT_STATE_DB:=2}"
export PROD_POSTGRES_URL PROD_HANDOFF_DB PROD_TRACKER_DB PROD_REDIS_URL LOCK_STORE_DB CHAT_STATE_DB
# DATABASE_URL, TRACKER_STORE_URL, LOCK_STORE_HOST/PORT/DB/PASSWORD and CHAT_STATE_URL (kept if set).
_prod_backing_env=$(.venv/bin/python deploy/local/backing.py urls) || return 1
eval "$_prod_backing_env"

: "${HANDOFF_SPOOL_DIR:=$PWD/var/prod/spool}"
export HANDOFF_SPOOL_DIR
if [ -z "${HANDOFF_HASH_KEY:-}" ]; then
  HANDOFF_HASH_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
  echo "HANDOFF_HASH_KEY is not set: using a random key for this run."
fi
export HANDOFF_HASH_KEY

# The web app instances: loopback only, Rasa through its balancer, chat state in Redis, and
# nginx's X-Forwarded-* headers trusted. RASA_PORT (the balancer) serves the web app's older
# setting. STAFF_COOKIE_SECURE stays unset: browsers accept Secure cookies on localhost.
export WEB_HOST=127.0.0.1
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export TRUSTED_PROXIES="${TRUSTED_PROXIES:-127.0.0.1}"
export CHAT_STATE_URL

PROD_ENDPOINTS=deploy/local/endpoints.prod.yml
declare -A PROD_PIDS=()

_prod_record() {   # _prod_record NAME PID
  PROD_PIDS[$1]=$2
  echo "$2" >"$PROD_PID_DIR/$1.pid"
}

prod_pid() {
  echo "${PROD_PIDS[$1]:-}"
}

prod_port() {   # prod_port NAME: the port NAME answers on
  case $1 in
    rasa-1) echo "$RASA_1_PORT" ;; rasa-2) echo "$RASA_2_PORT" ;;
    actions-1) echo "$ACTION_1_PORT" ;; actions-2) echo "$ACTION_2_PORT" ;;
    web-1) echo "$WEB_1_PORT" ;; web-2) echo "$WEB_2_PORT" ;;
    nginx) echo "$PROD_WEB_PORT" ;;
    *) return 1 ;;
  esac
}

check_prod_ports() {
  local port busy=()
  for port in "$PROD_WEB_PORT" "$RASA_PORT" "$ACTION_PORT" "$RASA_1_PORT" "$RASA_2_PORT" \
      "$ACTION_1_PORT" "$ACTION_2_PORT" "$WEB_1_PORT" "$WEB_2_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then busy+=("$port"); fi
  done
  if [ ${#busy[@]} -gt 0 ]; then
    echo "Already in use on 127.0.0.1: port ${busy[*]}. Stop what runs there or choose other ports" \
      "(PROD_WEB_PORT, RASA_PORT, ACTION_PORT, RASA_1_PORT ... WEB_2_PORT)." >&2
    return 1
  fi
}

prepare_prod_backing() {
  [ -x "$NGINX" ] || { echo "nginx is not installed at $NGINX (make run-prod installs Debian's nginx)." >&2; return 1; }
  .venv-rasa/bin/python deploy/local/backing.py redis || return 1
  .venv/bin/python deploy/local/backing.py postgres || return 1
  prepare_store   # `python -m bot migrate` on DATABASE_URL
}

start_prod_maintenance() {
  start_maintenance
  _prod_record maintenance $!
}

start_prod_actions() {
  local port_var="ACTION_$1_PORT"
  start_actions "${!port_var}" "actions-$1"
  _prod_record "actions-$1" $!
}

start_prod_rasa() {
  local port_var="RASA_$1_PORT"
  start_rasa "${!port_var}" "rasa-$1" "$PROD_ENDPOINTS"
  _prod_record "rasa-$1" $!
}

start_prod_web() {
  local port_var="WEB_$1_PORT"
  start_web "${!port_var}" "web-$1"
  _prod_record "web-$1" $!
}

# nginx's configuration is made from deploy/local/nginx.conf.template into $LOG_DIR/nginx/.
write_nginx_conf() {
  mkdir -p "$NGINX_DIR/tmp"
  local name expression=()
  for name in LOG_DIR NGINX_DIR PROD_WEB_HOST PROD_WEB_PORT RASA_PORT ACTION_PORT RASA_1_PORT \
      RASA_2_PORT ACTION_1_PORT ACTION_2_PORT WEB_1_PORT WEB_2_PORT; do
    expression+=(-e "s|@$name@|${!name}|g")
  done
  sed "${expression[@]}" deploy/local/nginx.conf.template >"$NGINX_DIR/nginx.conf"
  .venv/bin/python -m bot.web.unavailable "$NGINX_DIR/pages" || return 1   # when no web app answers
  if grep -v '^ *#' "$NGINX_DIR/nginx.conf" | grep -q '@[A-Z0-9_]*@'; then
    echo "Unfilled placeholder in $NGINX_DIR/nginx.conf" >&2
    return 1
  fi
}

start_prod_nginx() {
  write_nginx_conf || return 1
  "$NGINX" -t -q -p "$NGINX_DIR" -e "$LOG_DIR/nginx-error.log" -c "$NGINX_DIR/nginx.conf" \
    >>"$LOG_DIR/nginx.log" 2>&1 \
    || { echo "nginx refused its configuration; see $LOG_DIR/nginx.log" >&2; tail -n 20 "$LOG_DIR/nginx.log" >&2; return 1; }
  "$NGINX" -p "$NGINX_DIR" -e "$LOG_DIR/nginx-error.log" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' \
    >>"$LOG_DIR/nginx.log" 2>&1 &
  SERVICE_PIDS+=($!)
  _prod_record nginx $!
}

# wait_prod NAME SECONDS: poll NAME's health URL until it answers; fail at once, with the tail of
# $LOG_DIR/NAME.log, if the process has stopped or the time is up. nginx is checked through the
# public port (/healthz of a web app behind it).
wait_prod() {
  local name=$1 seconds=$2 port url
  port=$(prod_port "$name") || { echo "unknown process name $name" >&2; return 1; }
  case $name in
    rasa-*) url="http://127.0.0.1:$port/" ;;
    actions-*) url="http://127.0.0.1:$port/health" ;;
    web-* | nginx) url="http://127.0.0.1:$port/healthz" ;;
  esac
  for _ in $(seq "$seconds"); do
    if curl --silent --fail --max-time 5 --output /dev/null "$url"; then return 0; fi
    if ! _prod_alive "$(prod_pid "$name")"; then
      echo "$name stopped while starting; last log lines:" >&2
      _prod_log_tail "$name"
      return 1
    fi
    sleep 1
  done
  echo "$name did not answer at $url within ${seconds}s; last log lines:" >&2
  _prod_log_tail "$name"
  return 1
}

_prod_log_tail() {
  tail -n 30 "$LOG_DIR/$1.log" >&2 2>/dev/null || true
  if [ "$1" = nginx ]; then tail -n 20 "$LOG_DIR/nginx-error.log" >&2 2>/dev/null || true; fi
}

_prod_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# stop_prod_process NAME: TERM, then KILL if it is still there after PROD_STOP_SECONDS.
stop_prod_process() {
  local name=$1 pid
  pid=$(prod_pid "$name")
  _prod_alive "$pid" || { rm -f "$PROD_PID_DIR/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((PROD_STOP_SECONDS * 5))); do
    _prod_alive "$pid" || break
    sleep 0.2
  done
  _prod_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  rm -f "$PROD_PID_DIR/$name.pid"
}

# Stop nginx first (no new requests), then everything else at once; KILL what outlives the grace.
stop_prod_services() {
  local name pid remaining
  trap - INT TERM
  stop_prod_process nginx
  for name in "${!PROD_PIDS[@]}"; do
    pid=${PROD_PIDS[$name]}
    _prod_alive "$pid" && kill -TERM "$pid" 2>/dev/null
  done
  for _ in $(seq $((PROD_STOP_SECONDS * 5))); do
    remaining=0
    for pid in "${PROD_PIDS[@]}"; do _prod_alive "$pid" && remaining=1; done
    [ "$remaining" = 0 ] && break
    sleep 0.2
  done
  for name in "${!PROD_PIDS[@]}"; do
    pid=${PROD_PIDS[$name]}
    if _prod_alive "$pid"; then
      echo "$name (pid $pid) did not stop within ${PROD_STOP_SECONDS}s: killing it." >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
    rm -f "$PROD_PID_DIR/$name.pid"
  done
  PROD_PIDS=()
  SERVICE_PIDS=()
}
