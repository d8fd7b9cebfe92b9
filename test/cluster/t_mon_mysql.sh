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
. "$(dirname "$0")/lib_mon.sh"

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
[ "$(restart_count mysqlw1)" = 0 ] ||
    fail "mysqlw1's reactivation count is $(restart_count mysqlw1) before any error"

# --- stop the database: Error within the bound ---------------------------------------------
db_stopped MariaDB mysqlw mysqlw1 my_stop

# --- start it again: Normal, rm 26, counters back to 0 --------------------------------------
db_started MariaDB mysqlw mysqlw1 my_start 1
