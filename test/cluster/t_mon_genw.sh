#!/usr/bin/env bash
# Issue 5 acceptance: a genw script that sleeps forever (test/data/bed/
# mon-genw.conf, scripts-genw: it hangs while work/genw-hang exists on the
# server). On srv1, which runs exec1:
# - genwhang (the documented defaults "do not retry / do not recover at
#   timeout"): Error at its first timeout (rm 9 "(99 : timeout)") within
#   interval + timeout, rm 193, nothing restarted;
# - genwhangrec (both switches off, retry 1): a timeout is an error like
#   another: rm 9 after two timeouts, then the reactivation of exec1 (rm 13);
# - genwhang has dump collection on: at its timeout log/monitor-genwhang.dump
#   gets the hung process group's state (the script's `sleep`: its command
#   line, status, wchan and kernel stack); genwhangrec (off) leaves none;
# - every hung script is killed at its timeout (no sleep left behind);
# - genwok, a normal script, keeps its 1 s pace meanwhile;
# - no heartbeat is late: no lanhb 71, no nm 2/4 on either server, and the
#   worst beat-to-beat gap each server saw from the other (WebManager API
#   max_delay_ms, per path) is printed before and after and stays below the
#   delay-warning limit;
# srv2 has no hang: all three stay Normal there. The hang removed: rm 26.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-genw.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-genw"
HB_INTERVAL=500 HB_TIMEOUT=5000 DELAY_PCT=80

mon_is() {
    local st
    st=$(on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == '$2')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
# own SERVER MODULE ID: texts of the records SERVER itself wrote.
own() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" '$1 == s && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
own_ms() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" -v t="$4" \
        '$1 == s && $4 == m && $5 == id && index($10, t) { print $3; exit }' \
        "$CLPBED_DIR/$1/root/alert/alert.log"
}
# gaps VIEWER: "lanhb1=N lanhb2=N": the worst gap VIEWER saw between two
# heartbeats of the other server on each path (WebManager API, max_delay_ms).
gaps() {
    on "$1" curl -s -m 5 "http://127.0.0.1:29003/api/v1/servers/$1" | json_py "
s = d['servers'][0]
print(' '.join('%s=%d' % (h['name'], max(p['max_delay_ms'] for p in h['peers'])) for h in s['heartbeats']))"
}
max_gap() {
    gaps "$1" | tr ' =' '\n\n' | awk 'NR % 2 == 0 && $1 > m { m = $1 } END { print m + 0 }'
}
hung_sleeps() {
    local p n=0
    for p in $(pgrep -f "^sleep 1000000$"); do
        proc_on srv1 "$p" && n=$((n + 1))
    done
    echo "$n"
}

bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
for s in srv1 srv2; do
    for m in genwhang genwhangrec genwok; do wait_for 10 mon_is "$s" "$m" Normal; done
done
wait_for 10 test -s "$CLPBED_DIR/srv1/root/work/genwok.runs"
g1_before=$(gaps srv1) g2_before=$(gaps srv2)
log "heartbeat gaps before the hang: srv1 saw srv2 [$g1_before], srv2 saw srv1 [$g2_before] (interval $HB_INTERVAL ms)"

t0=$(date +%s%3N)
touch "$CLPBED_DIR/srv1/root/work/genw-hang"
wait_for 15 mon_is srv1 genwhang Error
own srv1 rm 9 | grep -qx "Detected an error in monitoring genwhang. (99 : timeout)" ||
    fail "rm 9 of genwhang: $(own srv1 rm 9)"
wait_for 5 sh -c "[ -n \"\$(awk -F'\t' '\$1==\"srv1\" && \$4==\"rm\" && \$5==193 && index(\$10, \"monitor genwhang \")' $CLPBED_DIR/srv1/root/alert/alert.log)\" ]"
d1=$(($(own_ms srv1 rm 9 "genwhang.") - t0))
# The check running at the touch may still end normally: at most one interval,
# then the timeout (3 s).
((d1 <= 1000 + 3000 + 2000)) || fail "genwhang timed out $d1 ms after the hang began"

wait_for 15 sh -c "grep -c '^START' $CLPBED_DIR/srv1/root/work/exec1.events | grep -qx 2"
own srv1 rm 9 | grep -qx "Detected an error in monitoring genwhangrec. (99 : timeout)" ||
    fail "rm 9 of genwhangrec: $(own srv1 rm 9)"
own srv1 rm 13 | grep -qx "Recovery target exec1 has restarted because an error was detected in monitoring genwhangrec." ||
    fail "rm 13: $(own srv1 rm 13)"
d2=$(($(own_ms srv1 rm 9 "genwhangrec.") - t0))
# Two timeouts in a row (retry 1), one interval between them.
((d2 >= 2 * 3000)) || fail "genwhangrec reported after $d2 ms: fewer than two timeouts"
[ "$(own srv1 rm 13 | wc -l)" = 1 ] || fail "rm 13 $(own srv1 rm 13 | wc -l) times"
own srv1 rm 13 | grep -q genwhang\\. && fail "genwhang recovered although recovery at timeout is off"
log "genwhang: Error (99 : timeout) after $d1 ms, rm 193, no recovery; genwhangrec: rm 9 after $d2 ms (2 timeouts), rm 13 exec1 restarted"

# The dump of the hung probe (dumpcollect): written at the timeout, before the kill.
dump=$CLPBED_DIR/srv1/root/log/monitor-genwhang.dump
[ -s "$dump" ] || fail "no $dump after genwhang's timeout"
grep -q "^==== .*: timeout of process group [0-9]*$" "$dump" || fail "the dump has no header: $(head -3 "$dump")"
spid=$(awk '/^--- pid [0-9]+ cmdline:/ { p = $3; getline; if ($0 ~ /^sleep 1000000/) { print p; exit } }' "$dump")
[ -n "$spid" ] || fail "the dump does not show the hung 'sleep 1000000': $(grep -A1 cmdline "$dump" | head -8)"
for f in status wchan stack; do
    grep -q "^--- pid $spid $f:" "$dump" || fail "the dump has no $f of the hung sleep (pid $spid)"
done
grep -A3 "^--- pid $spid status:" "$dump" | grep -q "^State:" || fail "no State in the status of pid $spid"
[ ! -e "$CLPBED_DIR/srv1/root/log/monitor-genwhangrec.dump" ] || fail "genwhangrec (dump collection off) left a dump"
log "dump at timeout: $(grep -c '^==== ' "$dump") timeout(s) recorded in log/monitor-genwhang.dump; the hung sleep (pid $spid): $(grep -A1 "^--- pid $spid wchan:" "$dump" | tail -1) / $(grep -A1 "^--- pid $spid stack:" "$dump" | tail -1)"

# Let a few more timeouts pass, then end the hang.
t_hang=$(($(now_us) + 4000000))
while (($(now_us) < t_hang)); do sleep 0.2; done
rm -f "$CLPBED_DIR/srv1/root/work/genw-hang"
t1=$(date +%s%3N)
wait_for 15 mon_is srv1 genwhang Normal
wait_for 15 mon_is srv1 genwhangrec Normal
own srv1 rm 26 | grep -qx "genwhang status changed from error to normal." || fail "no rm 26 of genwhang"
no_hung() {
    [ "$(hung_sleeps)" = 0 ]
}
wait_for 5 no_hung

# genwok kept its pace: one run per second (interval 1 s + its run time).
window_s=$(((t1 - t0) / 1000))
runs=$(awk -v a="$t0" -v b="$t1" '{ t = $1 * 1000 } t >= a && t <= b { n++ } END { print n + 0 }' \
    "$CLPBED_DIR/srv1/root/work/genwok.runs")
((runs >= window_s * 2 / 3)) || fail "genwok ran $runs times in ${window_s}s of hang"
for s in srv1 srv2; do
    [ -z "$(own "$s" rm 9 | grep genwok)" ] || fail "genwok reported an error on $s"
done
for m in genwhang genwhangrec genwok; do mon_is srv2 "$m" Normal || fail "$m is not Normal on srv2"; done
[ -z "$(own srv2 rm 9)" ] || fail "srv2 reported: $(own srv2 rm 9)"

# Heartbeats: nothing late, nothing lost, on either side.
for s in srv1 srv2; do
    for x in "lanhb 71" "lanhb 72" "nm 2" "nm 4"; do
        # shellcheck disable=SC2086
        [ -z "$(own $s $x)" ] || fail "$s: $x: $(own $s $x)"
    done
done
g1_after=$(gaps srv1) g2_after=$(gaps srv2)
limit=$((HB_TIMEOUT * DELAY_PCT / 100))
m1=$(max_gap srv1) m2=$(max_gap srv2)
log "FIGURE: genw hang ${window_s}s on srv1: genwok $runs runs; heartbeat gaps after: srv1 saw srv2 [$g1_after], srv2 saw srv1 [$g2_after]; worst $m1 / $m2 ms for a $HB_INTERVAL ms interval (delay warning at $limit ms)"
((m1 < limit && m2 < limit)) || fail "a heartbeat was late: worst gap $m1 / $m2 ms (limit $limit ms)"
