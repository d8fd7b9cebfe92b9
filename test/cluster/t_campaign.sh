#!/usr/bin/env bash
# Issue 10: the fault campaign's short seeded run (test/campaign/run,
# docs/campaign.md). 3 servers, CLP_CAMPAIGN_STEPS steps (default 50) of the
# plan of CLP_CAMPAIGN_SEED (default 1010): crashes, daemon kills and stops,
# cables, drops, partitions, monitor failures, moves, group stops, clock jumps;
# never a group on two servers, every group back within its budget, the same
# views everywhere, no unexpected daemon exit, the same alerts everywhere.
# Before it:
#   - the plan is a function of the seed (the same twice; a shorter plan is the
#     start of a longer one, so --steps N reproduces a violation at step N);
#   - the checker can fail: web1's floating IP added by hand on a second server
#     is reported as a dual activation (exit 1).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || fail "cluster tests need root (network namespaces)"
SEED=${CLP_CAMPAIGN_SEED:-1010}
STEPS=${CLP_CAMPAIGN_STEPS:-50}
RUN=$CLP_SOURCE_DIR/test/campaign/run
campaign() {
    "$RUN" --dir "$CLPBED_DIR" --build "$CLP_BUILD_DIR" "$@"
}

a=$(campaign --dry-run --seed "$SEED" --steps 20)
b=$(campaign --dry-run --seed "$SEED" --steps 60 | head -20)
c=$(campaign --dry-run --seed "$SEED" --steps 20)
[ "$a" = "$c" ] || fail "two plans of seed $SEED differ"
[ "$a" = "$b" ] || fail "the plan of 20 steps is not the start of the plan of 60"
[ "$(campaign --dry-run --seed $((SEED + 1)) --steps 20)" != "$a" ] ||
    fail "seeds $SEED and $((SEED + 1)) give the same plan"
log "plans: a function of the seed, and prefixes of each other"

rc=0
campaign --seed "$SEED" --steps 3 --sabotage 2 --only move,kill \
    --artifacts "$TEST_TMP/sabotage" >"$TEST_TMP/sabotage.out" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q "VIOLATION step 2 dual-activation: group web1: address on" \
    "$TEST_TMP/sabotage.out"; then
    cat "$TEST_TMP/sabotage.out" >&2
    fail "a floating IP added by hand on a second server was not reported (exit $rc)"
fi
log "self-test: $(grep -m1 'VIOLATION step' "$TEST_TMP/sabotage.out")"

log "campaign: seed $SEED, $STEPS steps"
rc=0
campaign --seed "$SEED" --steps "$STEPS" >"$TEST_TMP/campaign.out" 2>"$TEST_TMP/campaign.err" ||
    rc=$?
cat "$TEST_TMP/campaign.out" >&2
if [ "$rc" != 0 ]; then
    tail -40 "$TEST_TMP/campaign.err" >&2
    fail "the campaign ended with $rc (seed $SEED; artifacts in test/artifacts/campaign-$SEED)"
fi
grep -q "^campaign: seed $SEED, $STEPS steps, .* 0 violations" "$TEST_TMP/campaign.out" ||
    fail "no summary line with 0 violations"
