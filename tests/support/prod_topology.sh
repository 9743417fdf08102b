#!/usr/bin/env bash
# The production topology for the fault tests (tests/test_faults.py), started through the same
# functions as `make run-prod` (scripts/prod_services.sh). Every port, URL and directory comes from
# the environment the test sets.
#
#   prod_topology.sh prepare            the ports are free, Redis and PostgreSQL answer, the two
#                                       databases exist and the handoff database is migrated
#   prod_topology.sh start NAME...      start each process and return at once: maintenance,
#                                       actions-1, actions-2, rasa-1, rasa-2, web-1, web-2, nginx
#   prod_topology.sh wait NAME SECONDS  wait until NAME answers (fails with its log's tail)
#
# Started processes keep running after this script exits (a non-interactive shell neither waits for
# nor signals its background jobs); their ids are in $LOG_DIR/pids/NAME.pid, and the test stops
# them by those ids. A process started again gets a fresh log; the earlier one is kept as
# NAME.N.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/prod_services.sh

usage() {
  echo "usage: $0 prepare | start NAME... | wait NAME SECONDS" >&2
  exit 2
}

keep_earlier_log() {   # keep_earlier_log NAME: NAME.log -> NAME.1.log, NAME.2.log, ...
  local name=$1 n=1
  [ -f "$LOG_DIR/$name.log" ] || return 0
  while [ -e "$LOG_DIR/$name.$n.log" ]; do n=$((n + 1)); done
  mv "$LOG_DIR/$name.log" "$LOG_DIR/$name.$n.log"
}

# The processes started by earlier calls, so wait_prod can tell one that stopped while starting.
for pid_file in "$PROD_PID_DIR"/*.pid; do
  [ -f "$pid_file" ] || continue
  name=$(basename "$pid_file" .pid)
  PROD_PIDS[$name]=$(cat "$pid_file")
done

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
  prepare)
    check_prod_ports
    prepare_prod_backing
    ;;
  start)
    [ $# -ge 1 ] || usage
    for name in "$@"; do
      case $name in
        maintenance | actions-[12] | rasa-[12] | web-[12] | nginx) keep_earlier_log "$name" ;;
        *) echo "unknown process name $name" >&2; exit 2 ;;
      esac
      case $name in
        maintenance) start_prod_maintenance ;;
        actions-*) start_prod_actions "${name#actions-}" ;;
        rasa-*) start_prod_rasa "${name#rasa-}" ;;
        web-*) start_prod_web "${name#web-}" ;;
        nginx) start_prod_nginx ;;
      esac
      echo "$name $(prod_pid "$name")"
    done
    ;;
  wait)
    [ $# -eq 2 ] || usage
    wait_prod "$1" "$2"
    ;;
  *) usage ;;
esac
