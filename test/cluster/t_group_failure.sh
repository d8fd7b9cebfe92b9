#!/usr/bin/env bash
# Issue 4 acceptance: an exec resource whose start script exits 1 is retried
# act/retry times, then the group fails over, then (failing there too, with no
# other server left) the final action runs; the alert sequence has the
# reference's rc message IDs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/exec-fail.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-fail"
bed start all >/dev/null
wait_for 15 server_is srv1 srv2 Online
checker_start 10.32.0.100

# 1. Fails on srv1 only: 3 attempts there (rc 32 x3, rc 200 x2), then srv2 (rc 201).
touch "$CLPBED_DIR/srv1/root/work/exec-fail"
on srv1 clpgrp -s failover1 --apito 60 >/dev/null || true
wait_for 20 group_is srv1 failover1 srv2
attempts=$(grep -c "START START srv1" "$CLPBED_DIR/srv1/root/work/exec1.events")
[ "$attempts" = 3 ] || fail "srv1 tried $attempts times (1 + 2 retries expected)"
wait_for 5 sh -c "[ \$(awk -F'\t' '\$4==\"rc\" && \$5==32 && index(\$10,\"exec1\") && \$1==\"srv1\"' $CLPBED_DIR/srv1/root/alert/alert.log | wc -l) = 3 ]"
[ "$(alert_count srv1 rc 200)" = 2 ] || fail "rc 200 (reactivate) should appear twice, not $(alert_count srv1 rc 200)"
wait_for 5 alert_seen srv1 rc 201 "failover1"
grep -q "FAILOVER srv2" "$CLPBED_DIR/srv2/root/work/exec1.events" ||
    fail "srv2 did not start it with CLP_EVENT=FAILOVER"
log "srv1: 3 attempts (rc 32 x3, rc 200 x2), rc 201, online on srv2 with CLP_EVENT=FAILOVER"

# 2. Fails everywhere: srv2 retries, cannot fail over (srv1 failed it already),
#    final action "stop group" (rc 206, rc 202), the group ends Offline.
on srv1 clpgrp -t failover1 >/dev/null
wait_for 10 sh -c "[ \"\$($CLPBED --dir $CLPBED_DIR exec srv1 clpgrp -n failover1)\" = None ]"
touch "$CLPBED_DIR/srv2/root/work/exec-fail"
: >"$CLPBED_DIR/srv1/root/work/exec1.events"
: >"$CLPBED_DIR/srv2/root/work/exec1.events"
b200=$(alert_count srv1 rc 200)
on srv1 clpgrp -s failover1 --apito 60 >/dev/null || true
wait_for 30 alert_seen srv1 rc 202 failover1
wait_for 10 sh -c "[ \"\$($CLPBED --dir $CLPBED_DIR exec srv1 clpstat -o json | python3 -c \"import json,sys; d=json.load(sys.stdin); print(next(g['status'] for g in d['groups'] if g['name']=='failover1'))\")\" = Offline ]"
a1=$(grep -c "^START" "$CLPBED_DIR/srv1/root/work/exec1.events")
a2=$(grep -c "^START" "$CLPBED_DIR/srv2/root/work/exec1.events")
log "attempts: srv1 $a1, srv2 $a2; rc 200 $(($(alert_count srv1 rc 200) - b200)) more; rc 206 $(alert_count srv1 rc 206); rc 202 $(alert_count srv1 rc 202)"
[ "$a1" = 3 ] && [ "$a2" = 3 ] || fail "each server should try 3 times (srv1 $a1, srv2 $a2)"
alert_seen srv1 rc 206 failover1 || fail "no rc 206 (activation continued since the failover failed)"
addr_on srv1 10.32.0.100 && fail "the floating IP stayed on srv1 after the final action"
addr_on srv2 10.32.0.100 && fail "the floating IP stayed on srv2 after the final action"
checker_stop
