#!/usr/bin/env bash
# Issue 9: the five daemons (clusterpro, clusterpro_evt, clusterpro_trn,
# clusterpro_webmgr, clusterpro_alertsync) of two servers run under valgrind
# memcheck through a cluster start, the group's start on srv1, a move to srv2
# and a clean stop. Each daemon's valgrind log must say it exited by itself
# with no memory error and no definitely lost block; the processes the
# daemons fork (a resource's or monitor's body before it execs a script) are
# checked too, for memory errors (their leak summary at _exit is not a leak:
# the parent's memory is simply not freed in a child). valgrind never changes
# an exit status (no --error-exitcode): a child's status is what the core acts on.
#
# How: the servers' bin/ (a link to the build's bin/) becomes a directory of
# links to the build's commands in which each daemon is a small script that
# execs valgrind on the real daemon, so clpsvc starts, watches and stops the
# daemons as usual (kill mode group, SIGTERM). Skips for the sanitizer and
# fuzzing builds (ASan cannot run under valgrind) and without valgrind.
# VALGRIND_SUPP (default test/cluster/valgrind.supp) lists what is not ours.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

command -v valgrind >/dev/null || { log "SKIP: valgrind is not installed"; exit 77; }
if grep -qE '^CLP_(SANITIZE|FUZZ):BOOL=ON' "$CLP_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    log "SKIP: $CLP_BUILD_DIR is a sanitizer build; valgrind needs the normal build"
    exit 77
fi
DAEMONS="clusterpro clusterpro_evt clusterpro_trn clusterpro_webmgr clusterpro_alertsync"
SUPP=${VALGRIND_SUPP:-$CLP_SOURCE_DIR/test/cluster/valgrind.supp}
FIP=10.32.0.100

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/valgrind.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"

# vg_wrap SERVER: the server's daemons start under valgrind.
vg_wrap() {
    local root=$CLPBED_DIR/$1/root real f d
    real=$(readlink -f "$root/bin")
    rm "$root/bin"
    mkdir "$root/bin"
    for f in "$real"/*; do
        ln -s "$f" "$root/bin/${f##*/}"
    done
    for d in $DAEMONS; do
        rm "$root/bin/$d"
        cat >"$root/bin/$d" <<WRAP
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \\
    --errors-for-leak-kinds=none --num-callers=30 --suppressions=$SUPP \\
    --log-file=$root/log/valgrind-$d.%p.log $real/$d "\$@"
WRAP
        chmod 0755 "$root/bin/$d"
    done
}
vg_wrap srv1
vg_wrap srv2

served_by() {
    [ "$(on client curl -s -m 2 "http://$FIP/" | head -1)" = "$1" ]
}

t0=$(date +%s)
bed start all >/dev/null
for s in srv1 srv2; do
    for d in $DAEMONS; do
        wait_for 120 svc_answers "$s" "$d"
    done
done
log "10 daemons answer under valgrind after $(($(date +%s) - t0)) s"
wait_for 120 served_by srv1
log "failover1 started on srv1 (served through $FIP) after $(($(date +%s) - t0)) s"
on srv1 clpgrp -m failover1 >/dev/null
wait_for 120 served_by srv2
wait_for 60 alert_seen srv1 rc 51 failover1
log "clpgrp -m: served by srv2"
on srv1 clpstat >/dev/null
t1=$(date +%s)
bed stop all >/dev/null
for s in srv1 srv2; do
    for d in $DAEMONS; do
        wait_for 120 not svc_answers "$s" "$d"
    done
done
log "clean stop took $(($(date +%s) - t1)) s"

# Every log: no memory error. A daemon's own log (its parent is clpsvc, not
# another process of the same daemon): a finished run and no definite leak.
bad=0
for s in srv1 srv2; do
    for d in $DAEMONS; do
        logs=("$CLPBED_DIR/$s/root/log/valgrind-$d".*.log)
        [ -f "${logs[0]}" ] || fail "$s: no valgrind log for $d"
        pids=" $(for f in "${logs[@]}"; do f=${f%.log}; printf '%s ' "${f##*.}"; done)"
        daemons=0
        for f in "${logs[@]}"; do
            parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)/\1/p' "$f" | head -1)
            errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
            if [ -n "$errors" ] && [ "$errors" != 0 ]; then
                log "$s ${f##*/}: $errors memory errors"
                sed -n '/^==[0-9]*== [A-Z]/,/^==[0-9]*== $/p' "$f" | head -60 >&2
                bad=1
            fi
            [[ $pids == *" $parent "* ]] && continue # a forked child of the daemon
            daemons=$((daemons + 1))
            [ -n "$errors" ] || fail "$s: $d (${f##*/}) did not finish under valgrind"
            definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tail -1)
            log "$s $d (${f##*/}): $errors errors, ${definite:-0} bytes definitely lost"
            if [ "${definite:-0}" != 0 ]; then
                sed -n '/definitely lost in loss record/,/^==[0-9]*== $/p' "$f" | head -80 >&2
                bad=1
            fi
        done
        [ "$daemons" = 1 ] || fail "$s: $daemons runs of $d under valgrind (a restart?), expected 1"
    done
done
[ "$bad" = 0 ] || fail "valgrind found memory errors or definite leaks (above)"
log "valgrind: no memory errors and no definite leaks in the 10 daemons"
