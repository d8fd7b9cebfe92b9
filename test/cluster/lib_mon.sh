# shellcheck shell=bash
# Helpers of the monitor tests (t_mon_psql.sh, t_mon_mysql.sh; mon_state also
# t_mon_http.sh, t_mon_nfs.sh, t_mon_samba.sh), on top
# of lib.sh: a monitor's status through clpstat -o json, the alerts a server
# raised, when the monitors were detected in error (from rm 9's own time
# stamps), a monitor's reactivation count, and the two phases both tests share:
# the database stopped (every monitor Error within the bound, one reactivation)
# and started again (every monitor Normal, rm 26, the count back to 0).
#
# The test sets MONS (its monitors, each configured on srv1 and srv2) and
# INTERVAL, TIMEOUT, RETRY and BOUND (interval x (retry + 1) + timeout) as in its
# configuration.

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
# restart_count MONITOR: MONITOR's reactivation count on srv1.
restart_count() {
    on srv1 clpmonctrl -v -m "$1" |
        awk -F: '/Reactivation Count/ { split($2, a, "/"); print a[1] + 0 }'
}
# count_is MONITOR N: MONITOR's reactivation count on srv1 is N.
count_is() {
    [ "$(restart_count "$1")" = "$2" ]
}

# db_stopped DATABASE TYPE MONITOR STOP: stops the database (the command STOP);
# every monitor of MONS must be Error on both servers within BOUND (measured from
# rm 9's time stamps and printed), srv1's rm 9 of MONITOR must name the refused
# connection, and MONITOR must reactivate exec1 once (rm 13, count 1).
db_stopped() {
    local db=$1 type=$2 mon=$3 stop=$4 t0 elapsed
    log "stopping $db"
    "$stop"
    t0=$(now_us)
    wait_for $((BOUND + 5)) all_are Error
    elapsed=$(detected "$t0")
    log "FIGURE: database stopped -> every $type in error on both servers in ${elapsed} s," \
        "by rm 9's time stamps (bound interval ${INTERVAL} x (retry ${RETRY} + 1)" \
        "+ timeout ${TIMEOUT} = ${BOUND} s)"
    awk -v e="$elapsed" -v b="$BOUND" 'BEGIN { exit !(e <= b) }' ||
        fail "detection took ${elapsed} s, more than ${BOUND} s"
    alerts srv1 rm 9 | grep -q "^Detected an error in monitoring $mon\\. (2 : cannot connect" ||
        fail "no rm 9 naming the refused connection for $mon on srv1: $(alerts srv1 rm 9)"
    wait_for 30 count_is "$mon" 1
    alerts srv1 rm 13 | grep -q "exec1 .*$mon" || fail "no rm 13 (exec1 reactivated by $mon)"
}

# db_started DATABASE TYPE MONITOR START RM26: starts the database again (the
# command START); every monitor of MONS must be Normal on both servers, each
# having raised RM26 rm 26 (error -> normal) on each server by then (one per
# error period of the test), and MONITOR's reactivation count must return to 0
# (the times are printed).
db_started() {
    local db=$1 type=$2 mon=$3 start=$4 rm26=$5 t2 t3 t4 m s n
    log "starting $db again"
    "$start"
    t2=$(now_us)
    wait_for 30 all_are Normal
    t3=$(now_us)
    log "FIGURE: database started -> every $type Normal in" \
        "$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", (b - a) / 1e6 }') s"
    for m in $MONS; do
        for s in srv1 srv2; do
            n=$(alerts "$s" rm 26 | grep -cx "$m status changed from error to normal\." || true)
            [ "$n" = "$rm26" ] ||
                fail "not $rm26 rm 26 for $m on $s: $(alerts "$s" rm 26)"
        done
    done
    wait_for 120 count_is "$mon" 0
    t4=$(now_us)
    log "FIGURE: $mon's reactivation count back to 0" \
        "$(awk -v a="$t3" -v b="$t4" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s" \
        "after it was Normal"
}
