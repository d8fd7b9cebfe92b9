#!/bin/bash
# t_smf: the service manifests and units are well-formed and say the same graph.
#
# Every smf-manifests/*.xml must pass `xmllint --noout` (package
# libxml2-utils) and be a service_bundle of type manifest; clpsvc must load
# them all (its `status` lists the five services in start order, exit 3 as
# nothing runs). Every smf-manifests/systemd/*.service must pass
# `systemd-analyze verify` when systemd-analyze exists (the units' paths are
# pointed at a scratch root whose bin/ holds the built daemons, since verify
# checks that ExecStart is executable), and its Requires= must match the
# manifests' dependencies.
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
: "${CLP_SOURCE_DIR:?CLP_SOURCE_DIR must name the source directory}"
SMF="$CLP_SOURCE_DIR/smf-manifests"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

if ! command -v xmllint >/dev/null; then
    echo "FAIL: xmllint missing (apt-get install libxml2-utils)" >&2
    exit 1
fi

n=0
for f in "$SMF"/*.xml; do
    n=$((n + 1))
    xmllint --noout --nonet "$f" || fail "$f is not well-formed"
    [ "$(xmllint --xpath 'string(/service_bundle/@type)' "$f")" = manifest ] ||
        fail "$f: not a service_bundle of type manifest"
done
[ "$n" -eq 5 ] || fail "expected 5 manifests in $SMF, found $n"

# The graph the manifests encode (service name -> application/clusterpro dependencies).
declare -A want=(
    [clusterpro_evt]=""
    [clusterpro_trn]="evt"
    [clusterpro]="trn"
    [clusterpro_webmgr]="evt"
    [clusterpro_alertsync]="evt"
)
declare -A unit_of_short=([evt]=clusterpro_evt [trn]=clusterpro_trn [core]=clusterpro
                          [webmgr]=clusterpro_webmgr [alertsync]=clusterpro_alertsync)
for name in "${!want[@]}"; do
    f="$SMF/$name.xml"
    [ -f "$f" ] || { fail "missing $f"; continue; }
    got=$(xmllint --xpath '//dependency/service_fmri/@value' "$f" 2>/dev/null |
          { grep -o 'application/clusterpro/[a-z]*' || true; } | sed 's#.*/##' | sort |
          tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "${want[$name]}" ] || fail "$name depends on '$got', want '${want[$name]}'"
    # systemd: Requires= says the same
    u="$SMF/systemd/$name.service"
    [ -f "$u" ] || { fail "missing $u"; continue; }
    req=$(sed -n 's/^Requires=//p' "$u" | tr ' ' '\n' | sed 's/\.service$//' | sort | tr '\n' ' ' |
          sed 's/ $//')
    exp=""
    [ -n "${want[$name]}" ] && exp=${unit_of_short[${want[$name]}]}
    [ "$req" = "$exp" ] || fail "$u: Requires='$req', want '$exp'"
done

# clpsvc reads them: with nothing running, status lists all five offline in start order.
root="$TMP/root"
mkdir -p "$root"
rc=0
out=$("$CLP_BUILD_DIR/bin/clpsvc" --root "$root" --manifests "$SMF" status) || rc=$?
[ "$rc" -eq 3 ] || fail "clpsvc status with nothing running: exit $rc, want 3"
names=$(echo "$out" | awk '{print $1 "/" $2}' | tr '\n' ' ')
want_names="clusterpro_evt/offline clusterpro_trn/offline clusterpro/offline"
want_names+=" clusterpro_webmgr/offline clusterpro_alertsync/offline "
[ "$names" = "$want_names" ] ||
    fail "clpsvc status: got '$names'"

if command -v systemd-analyze >/dev/null; then
    mkdir -p "$TMP/units" "$TMP/opt/bin"
    for b in clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync; do
        printf '#!/bin/sh\nexit 0\n' >"$TMP/opt/bin/$b"
        chmod +x "$TMP/opt/bin/$b"
    done
    for u in "$SMF"/systemd/*.service; do
        sed "s#/opt/nec/clusterpro#$TMP/opt#g" "$u" >"$TMP/units/$(basename "$u")"
    done
    if ! (cd "$TMP/units" && systemd-analyze verify ./*.service) >"$TMP/verify.out" 2>&1 ||
        grep -v -e '^$' "$TMP/verify.out" | grep -q .; then
        cat "$TMP/verify.out" >&2
        fail "systemd-analyze verify reported problems"
    fi
else
    echo "systemd-analyze not found: units not verified"
fi

if [ "$failures" -ne 0 ]; then
    echo "t_smf: $failures failure(s)" >&2
    exit 1
fi
echo "t_smf: $n manifests and their units OK"
