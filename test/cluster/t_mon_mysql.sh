#!/usr/bin/env bash
# t_mon_mysql: mysqlw against a real MariaDB server that the test runs on gw
# (10.32.0.254:3306, password authentication), through Debian's MariaDB client
# library. Three monitors on both servers, one per monitor level (update/select,
# create/drop, select). The test checks: every level runs its statements from
# both servers (the server's general log) and stays Normal; stopping the
# database makes every monitor Error within interval x (retry + 1) + timeout
# (measured and printed); mysqlw1 reactivates exec1 once (rm 13, counter 1);
# starting the database again brings every monitor back to Normal (rm 26) and
# mysqlw1's recovery counter back to 0.
. "$(dirname "$0")/lib.sh"

if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null ||
    ! id mysql >/dev/null 2>&1; then
    log "SKIP: no MariaDB server (Debian package mariadb-server) on this machine"
    exit 77
fi
if ! compgen -G "/usr/lib/*/libmariadb.so.3" >/dev/null; then
    log "SKIP: no libmariadb.so.3 (Debian package libmariadb3) on this machine"
    exit 77
fi

INTERVAL=2 TIMEOUT=5 RETRY=1 # as in mon-mysqlw.conf
BOUND=$((INTERVAL * (RETRY + 1) + TIMEOUT))
MONS="mysqlw1 mysqlwcd mysqlwsel"

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
# alerts SERVER MODULE ID: the texts of the alerts MODULE ID that SERVER raised (its alert
# log also holds the other servers' alerts).
alerts() {
    awk -F'\t' -v o="$1" -v m="$2" -v id="$3" '$1 == o && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}
# detected T0_US: seconds from T0_US (wall clock, now_us) to the last of the
# first rm 9 that each monitor of MONS raised on each server after T0_US, from
# the alert logs' own time stamps; fails when one is missing.
detected() {
    local s
    for s in srv1 srv2; do
        awk -F'\t' -v o="$s" '$1 == o' "$CLPBED_DIR/$s/root/alert/alert.log"
    done | awk -F'\t' -v t0="$(($1 / 1000))" -v mons="$MONS" '
        BEGIN { n = split(mons, m, " ") }
        $4 == "rm" && $5 == 9 && $3 >= t0 {
            split($10, w, " "); name = w[6]; sub(/\.$/, "", name); k = $1 " " name
            if (!(k in first)) first[k] = $3
        }
        END {
            worst = 0
            for (i = 1; i <= n; i++) for (s = 1; s <= 2; s++) {
                k = "srv" s " " m[i]
                if (!(k in first)) { print "no rm 9 of " m[i] " on srv" s; exit 1 }
                if (first[k] - t0 > worst) worst = first[k] - t0
            }
            printf "%.2f\n", worst / 1000
        }'
}
restart_count() {
    on srv1 clpmonctrl -v -m mysqlw1 | awk -F: '/Reactivation Count/ { split($2, a, "/"); print a[1] + 0 }'
}
my_gw() {
    on gw mariadb --no-defaults --socket="$MY/sock/mysqld.sock" -u root -N -B "$@"
}
my_start() {
    on_bg gw mariadbd --no-defaults --user=mysql --datadir="$MY/data" \
        --socket="$MY/sock/mysqld.sock" --bind-address=10.32.0.254 --port=3306 \
        --pid-file="$MY/mysqld.pid" --log-error="$MY/error.log" --skip-name-resolve \
        --general-log=1 --general-log-file="$MY/general.log" </dev/null >/dev/null 2>&1
    wait_for 60 on gw mariadb-admin --no-defaults --socket="$MY/sock/mysqld.sock" ping
}
my_stop() {
    on gw mariadb-admin --no-defaults --socket="$MY/sock/mysqld.sock" -u root shutdown
}
# statements: "HOST<TAB>STATEMENT" for every query of the general log.
statements() {
    awk -F'\t' '{ split($(NF - 1), a, " ") }
        a[2] == "Connect" { split($NF, b, "@"); split(b[2], h, " "); host[a[1]] = h[1] }
        a[2] == "Query" { print host[a[1]] "\t" $NF }' "$MY/general.log"
}

# --- the database server on gw ------------------------------------------------------------
MY=$TEST_TMP/my
mkdir -p "$MY/sock"
chmod 755 "$TEST_TMP"
chown -R mysql: "$MY"
mariadb-install-db --no-defaults --user=mysql --datadir="$MY/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$TEST_TMP/install.log" 2>&1 ||
    fail "mariadb-install-db failed: $(tail -3 "$TEST_TMP/install.log")"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-mysqlw.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/mon-scripts"
my_start
my_gw -e "CREATE DATABASE clpdb; CREATE USER 'clpmon'@'10.32.0.%' IDENTIFIED BY 'clp-secret';
          GRANT ALL ON clpdb.* TO 'clpmon'@'10.32.0.%';"

bed start all >/dev/null
# checked_by_all: every level has run its statements from both servers.
checked_by_all() {
    local k st
    st=$(statements)
    for k in 1 2; do
        grep -q "^10.32.0.$k	UPDATE mysqlwatch SET num = [0-9]* LIMIT 1$" <<<"$st" &&
            grep -q "^10.32.0.$k	DROP TABLE mysqlwatch_srv$k$" <<<"$st" &&
            grep -q "^10.32.0.$k	SELECT COUNT(\*) FROM mysqlwatch$" <<<"$st" ||
            { echo "not every level has run from 10.32.0.$k yet"; return 1; }
    done
}
log "waiting for every mysqlw level to check from both servers, and to be Normal"
wait_for 60 checked_by_all
wait_for 10 all_are Normal

# The update level made its table and keeps changing its one row.
row() { my_gw clpdb -e "SELECT CONCAT(COUNT(*), ':', MAX(num)) FROM mysqlwatch"; }
r1=$(row)
[[ $r1 == 1:* ]] || fail "mysqlwatch should hold one row, holds: $r1"
row_changed() { [ "$(row)" != "$r1" ]; }
wait_for $((INTERVAL * 3)) row_changed
[ -z "$(my_gw clpdb -e "SHOW TABLES LIKE 'mysqlwatch\_%'")" ] ||
    fail "the create/drop level left its table behind"
[ -z "$(alerts srv1 rm 9)$(alerts srv2 rm 9)" ] ||
    fail "a monitor reported an error while the database ran: $(alerts srv1 rm 9) $(alerts srv2 rm 9)"
[ "$(restart_count)" = 0 ] || fail "mysqlw1's reactivation count is $(restart_count) before any error"

# --- stop the database: Error within the bound ---------------------------------------------
log "stopping MariaDB"
my_stop
t0=$(now_us)
wait_for $((BOUND + 5)) all_are Error
elapsed=$(detected "$t0")
log "FIGURE: database stopped -> every mysqlw in error on both servers in ${elapsed} s, by rm 9's time stamps" \
    "(bound interval ${INTERVAL} x (retry ${RETRY} + 1) + timeout ${TIMEOUT} = ${BOUND} s)"
awk -v e="$elapsed" -v b="$BOUND" 'BEGIN { exit !(e <= b) }' ||
    fail "detection took ${elapsed} s, more than ${BOUND} s"
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring mysqlw1\. (2 : cannot connect' ||
    fail "no rm 9 naming the refused connection for mysqlw1 on srv1: $(alerts srv1 rm 9)"
count_is() { [ "$(restart_count)" = "$1" ]; }
wait_for 30 count_is 1
alerts srv1 rm 13 | grep -q 'exec1 .*mysqlw1' || fail "no rm 13 (exec1 reactivated by mysqlw1)"

# --- start it again: Normal, rm 26, counters back to 0 --------------------------------------
log "starting MariaDB again"
my_start
t2=$(now_us)
wait_for 30 all_are Normal
t3=$(now_us)
log "FIGURE: database started -> every mysqlw Normal in" \
    "$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", (b - a) / 1e6 }') s"
for m in $MONS; do
    for s in srv1 srv2; do
        alerts "$s" rm 26 | grep -qx "$m status changed from error to normal\." ||
            fail "no rm 26 for $m on $s"
    done
done
wait_for 120 count_is 0
t4=$(now_us)
log "FIGURE: mysqlw1's reactivation count back to 0" \
    "$(awk -v a="$t3" -v b="$t4" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s after it was Normal"
