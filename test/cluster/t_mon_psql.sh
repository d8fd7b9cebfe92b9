#!/usr/bin/env bash
# t_mon_psql: psqlw against a real PostgreSQL server that the test runs on gw
# (10.32.0.254:5432, password authentication). Three monitors on both servers,
# one per monitor level (update/select, create/drop, select). The test checks:
# every level is Normal and the update level really writes (its row changes);
# stopping the database makes every monitor Error within
# interval x (retry + 1) + timeout (measured and printed); psqlw1 reactivates
# exec1 once (rm 13, counter 1); starting the database again brings every
# monitor back to Normal (rm 26) and psqlw1's recovery counter back to 0.
. "$(dirname "$0")/lib.sh"

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

# mon_state SERVER MONITOR: the monitor's status on SERVER, as SERVER's clpstat shows it.
mon_state() {
    on "$1" clpstat -o json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["monitors"]:
    if m["name"] == sys.argv[1]:
        print(next((s["status"] for s in m["servers"] if s["name"] == sys.argv[2]), "?"))' \
        "$2" "$1"
}
# all_are STATUS: every monitor of MONS has STATUS on srv1 and srv2.
all_are() {
    local s m st
    for s in srv1 srv2; do
        for m in $MONS; do
            st=$(mon_state "$s" "$m")
            [ "$st" = "$1" ] || { echo "$m on $s is $st"; return 1; }
        done
    done
}
# alerts SERVER MODULE ID: the texts of the alerts MODULE ID in SERVER's alert log.
alerts() {
    awk -F'\t' -v m="$2" -v id="$3" '$4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}
restart_count() {
    on srv1 clpmonctrl -v -m psqlw1 | awk -F: '/Reactivation Count/ { split($2, a, "/"); print a[1] + 0 }'
}
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
[ "$(restart_count)" = 0 ] || fail "psqlw1's reactivation count is $(restart_count) before any error"

# --- stop the database: Error within the bound ---------------------------------------------
log "stopping PostgreSQL"
pg_stop
t0=$(now_us)
wait_for $((BOUND + 5)) all_are Error
t1=$(now_us)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
log "FIGURE: database stopped -> every psqlw Error on both servers in ${elapsed} s" \
    "(bound interval ${INTERVAL} x (retry ${RETRY} + 1) + timeout ${TIMEOUT} = ${BOUND} s)"
awk -v e="$elapsed" -v b="$BOUND" 'BEGIN { exit !(e <= b) }' ||
    fail "detection took ${elapsed} s, more than ${BOUND} s"
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring psqlw1\. (2 : cannot connect' ||
    fail "no rm 9 naming the refused connection for psqlw1 on srv1: $(alerts srv1 rm 9)"
count_is() { [ "$(restart_count)" = "$1" ]; }
wait_for 30 count_is 1
alerts srv1 rm 13 | grep -q 'exec1 .*psqlw1' || fail "no rm 13 (exec1 reactivated by psqlw1)"

# --- start it again: Normal, rm 26, counters back to 0 --------------------------------------
log "starting PostgreSQL again"
pg_start
t2=$(now_us)
wait_for 30 all_are Normal
t3=$(now_us)
log "FIGURE: database started -> every psqlw Normal in" \
    "$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", (b - a) / 1e6 }') s"
for m in $MONS; do
    for s in srv1 srv2; do
        alerts "$s" rm 26 | grep -qx "$m status changed from error to normal\." ||
            fail "no rm 26 for $m on $s"
    done
done
wait_for 120 count_is 0
t4=$(now_us)
log "FIGURE: psqlw1's reactivation count back to 0" \
    "$(awk -v a="$t3" -v b="$t4" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s after it was Normal"
