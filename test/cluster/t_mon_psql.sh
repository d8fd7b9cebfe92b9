#!/usr/bin/env bash
# t_mon_psql: psqlw against a real PostgreSQL server that the test runs on gw
# (10.32.0.254:5432, password authentication). Three monitors on both servers,
# one per monitor level (update/select, create/drop, select). The test checks:
# every level is Normal and the update level really writes (its row changes);
# a hung database (every PostgreSQL process SIGSTOPped) is a monitor timeout:
# Error (rm 9 code 99) within interval + timeout, no reactivation (the default
# "do not recover at timeout"), and the core's heartbeats are not delayed;
# SIGCONT -> Normal; stopping the database makes every monitor Error within
# interval x (retry + 1) + timeout (measured and printed); psqlw1 reactivates
# exec1 once (rm 13, counter 1); starting the database again brings every
# monitor back to Normal (rm 26) and psqlw1's recovery counter back to 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mon.sh"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/postgres" ] || ! id postgres >/dev/null 2>&1; then
    log "SKIP: no PostgreSQL server (Debian package postgresql) on this machine"
    exit 77
fi
if ! compgen -G "/usr/lib/*/libpq.so.5" >/dev/null; then
    log "SKIP: no libpq.so.5 (Debian package libpq5) on this machine"
    exit 77
fi

INTERVAL=2 TIMEOUT=5 RETRY=1 # as in mon-psqlw.conf
BOUND=$((INTERVAL * (RETRY + 1) + TIMEOUT))
MONS="psqlw1 psqlwcd psqlwsel"

psql_gw() {
    on gw runuser -u postgres -- "$PGBIN/psql" -h "$PG/sock" -U postgres -X -q -At "$@"
}
pg_start() {
    local opts="-c listen_addresses=10.32.0.254 -c unix_socket_directories=$PG/sock"
    opts+=" -c log_connections=on -c log_line_prefix='%h '"
    on gw runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -t 60 \
        -o "$opts" start >/dev/null
}
pg_stop() {
    on gw runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w stop >/dev/null
}

# --- the database server on gw ------------------------------------------------------------
PG=$TEST_TMP/pg
mkdir -p "$PG/sock"
chmod 755 "$TEST_TMP"
chown -R postgres: "$PG"
runuser -u postgres -- "$PGBIN/initdb" -D "$PG/data" -A trust -U postgres >"$TEST_TMP/initdb.log"
echo "host all all 10.32.0.0/24 scram-sha-256" >>"$PG/data/pg_hba.conf"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-psqlw.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/mon-scripts"
pg_start
psql_gw -c "CREATE ROLE clpmon LOGIN PASSWORD 'clp-secret'" -c "CREATE DATABASE clpdb OWNER clpmon"

bed start all >/dev/null
# checked_by_all: every monitor has opened a session from both servers.
checked_by_all() {
    local h m
    for h in 10.32.0.1 10.32.0.2; do
        for m in $MONS; do
            grep -q "^$h .*connection authorized: .*application_name=clusterpro-psqlw-$m" \
                "$PG/log" || { echo "no session of $m from $h yet"; return 1; }
        done
    done
}
log "waiting for every psqlw level to check from both servers, and to be Normal"
wait_for 60 checked_by_all
wait_for 10 all_are Normal

# The update level made its table and keeps changing its one row.
row() { psql_gw -d clpdb -c "SELECT count(*) || ':' || max(num) FROM psqlwatch"; }
r1=$(row)
[[ $r1 == 1:* ]] || fail "psqlwatch should hold one row, holds: $r1"
row_changed() { [ "$(row)" != "$r1" ]; }
wait_for $((INTERVAL * 3)) row_changed
[ -z "$(psql_gw -d clpdb -c "SELECT tablename FROM pg_tables WHERE tablename LIKE 'psqlwatch_%'")" ] ||
    fail "the create/drop level left its table behind"
[ -z "$(alerts srv1 rm 9)$(alerts srv2 rm 9)" ] ||
    fail "a monitor reported an error while the database ran: $(alerts srv1 rm 9) $(alerts srv2 rm 9)"
[ "$(restart_count psqlw1)" = 0 ] ||
    fail "psqlw1's reactivation count is $(restart_count psqlw1) before any error"

# --- a hung database: a monitor timeout ------------------------------------------------
# pg_pids: the postmaster (from its pid file) and its children.
pg_pids() {
    local pm
    pm=$(head -1 "$PG/data/postmaster.pid")
    echo "$pm" $(ps -o pid= --ppid "$pm")
}
log "freezing PostgreSQL (SIGSTOP)"
# shellcheck disable=SC2046
kill -STOP $(pg_pids)
t0=$(now_us)
wait_for $((INTERVAL + TIMEOUT + 5)) all_are Error
elapsed=$(detected "$t0")
log "FIGURE: database frozen -> every psqlw in error (timeout) in ${elapsed} s, by rm 9's" \
    "time stamps (bound interval ${INTERVAL} + timeout ${TIMEOUT} = $((INTERVAL + TIMEOUT)) s" \
    "+ 0.5 s of scheduling)"
awk -v e="$elapsed" -v b="$((INTERVAL + TIMEOUT))" 'BEGIN { exit !(e <= b + 0.5) }' ||
    fail "the timeout was detected in ${elapsed} s"
alerts srv1 rm 9 | grep -qx 'Detected an error in monitoring psqlw1\. (99 : timeout)' ||
    fail "no rm 9 with the timeout code for psqlw1: $(alerts srv1 rm 9)"
[ -z "$(alerts srv1 rm 13)" ] || fail "a timeout reactivated exec1: $(alerts srv1 rm 13)"
[ "$(restart_count psqlw1)" = 0 ] || fail "a timeout counted a reactivation"
# shellcheck disable=SC2046
kill -CONT $(pg_pids)
wait_for 30 all_are Normal
# No server or heartbeat path lost (nm 2, nm 4), no heartbeat delayed (lanhb 71).
for s in srv1 srv2; do
    [ -z "$(alerts "$s" nm 2)$(alerts "$s" nm 4)$(alerts "$s" lanhb 71)" ] ||
        fail "$s: heartbeats suffered while the monitors hung"
done

# --- stop the database: Error within the bound ---------------------------------------------
db_stopped PostgreSQL psqlw psqlw1 pg_stop

# --- start it again: Normal, rm 26, counters back to 0 --------------------------------------
db_started PostgreSQL psqlw psqlw1 pg_start 2
