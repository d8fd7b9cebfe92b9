#!/bin/bash
# t_clpcfctrl: clpcfctrl without a cluster: usage errors (exit 2), --check of a
# bundle directory (scripts named by clp.conf must be in it; errors as
# FILE:LINE), the encodings of -l and -w (an EUC-JP file with Japanese
# comments is fine with -l; Shift_JIS bytes are refused with -l and converted
# with -w; a byte that is no Shift_JIS character is an error on its line), and
# a push or pull with no clusterpro_trn running (exit 3, nothing written).
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
: "${CLP_SOURCE_DIR:?CLP_SOURCE_DIR must name the source directory}"
CTL="$CLP_BUILD_DIR/bin/clpcfctrl"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v iconv >/dev/null || { echo "iconv missing: skipped"; exit 77; }

failures=0
checks=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
# run ARGS...: sets rc, out (stdout + stderr)
run() {
    rc=0
    out=$("$CTL" "$@" 2>&1) || rc=$?
    checks=$((checks + 1))
}
expect_rc() {
    [ "$rc" = "$1" ] || fail "clpcfctrl $2: exit $rc, expected $1"$'\n'"$out"
}

[ -x "$CTL" ] || { echo "FAIL: $CTL is not built" >&2; exit 1; }

# ---- usage ----
for args in "" "--push --pull" "--pull" "--check" "--push -l -w -x $TMP" "--push -h srv1" \
    "--pull -x $TMP -p 70000 -h srv1" "--pull -x $TMP -p 29002" "--check -x $TMP --force" \
    "--push --nocheck" "--push -o yaml" "--push --timeout 5" "--push extra" "--push -x" \
    "--bogus" "--check -x $TMP/none"; do
    # shellcheck disable=SC2086
    run $args
    expect_rc 2 "$args"
    grep -q "usage:\|is not a directory" <<<"$out" || fail "clpcfctrl $args: no usage text"$'\n'"$out"
done
run --push --nocheck
grep -q "always checked" <<<"$out" || fail "--nocheck: no reason given"$'\n'"$out"
run --help
expect_rc 0 --help

# ---- a bundle ----
B=$TMP/b
mkdir -p "$B/scripts/g1/e1" "$B/scripts/monitor.s/genw1"
cat >"$B/clp.conf" <<'EOF'
<?xml version="1.0" encoding="EUC-JP"?>
<!-- 本番クラスタ: 〜 テスト -->
<root>
  <cluster><name>c1</name><comment>日本語のコメント</comment></cluster>
  <server name="s1"><priority>0</priority><device id="0"><type>lan</type><info>10.0.0.1</info></device></server>
  <server name="s2"><priority>1</priority><device id="0"><type>lan</type><info>10.0.0.2</info></device></server>
  <heartbeat><lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb></heartbeat>
  <group name="g1"><resource name="exec@e1"/></group>
  <resource><exec name="e1">
    <parameters><act><path>start.sh</path></act><deact><path>stop.sh</path></deact></parameters>
  </exec></resource>
  <monitor><genw name="genw1"><parameters><path>genw.sh</path></parameters>
    <relation><type>cls</type><name>LocalServer</name></relation></genw></monitor>
</root>
EOF
utf8=$(cat "$B/clp.conf")
iconv -f UTF-8 -t EUC-JP <<<"$utf8" >"$B/clp.conf"
for f in scripts/g1/e1/start.sh scripts/g1/e1/stop.sh scripts/monitor.s/genw1/genw.sh; do
    printf '#!/bin/sh\nexit 0\n' >"$B/$f"
    chmod 755 "$B/$f"
done

run --check -x "$B"
expect_rc 0 "--check (EUC-JP, -l by default)"
grep -q "$B/clp.conf: valid: 0 errors" <<<"$out" || fail "--check: no summary"$'\n'"$out"
run --check -l -x "$B"
expect_rc 0 "--check -l (EUC-JP)"

# a missing script: an error on the line that names it
rm "$B/scripts/g1/e1/stop.sh"
run --check -x "$B"
expect_rc 1 "--check with a missing stop script"
grep -q "^$B/clp.conf:10: error: /root/resource/exec@e1/parameters/deact/path: the stop script of exec e1 is not in the bundle" <<<"$out" ||
    fail "missing script: not reported as FILE:LINE"$'\n'"$out"
printf '#!/bin/sh\nexit 0\n' >"$B/scripts/g1/e1/stop.sh"

# a symbolic link does not travel
ln -s /etc/passwd "$B/scripts/g1/e1/link.sh"
run --check -x "$B"
expect_rc 2 "--check with a symbolic link"
grep -q "link.sh is not a regular file" <<<"$out" || fail "symlink: not named"$'\n'"$out"
rm "$B/scripts/g1/e1/link.sh"

# ---- the Windows form ----
W=$TMP/w
cp -a "$B" "$W"
iconv -f UTF-8 -t CP932 <<<"$utf8" >"$W/clp.conf" # Shift_JIS under an EUC-JP declaration
run --check -l -x "$W"
expect_rc 1 "--check -l of Shift_JIS bytes"
grep -q "$W/clp.conf:[0-9]*: error:" <<<"$out" || fail "-l of SJIS: no FILE:LINE error"$'\n'"$out"
run --check -w -x "$W"
expect_rc 0 "--check -w of Shift_JIS bytes"
sed -i '1s/EUC-JP/SJIS/' "$W/clp.conf" # a declaration that says SJIS
run --check -l -x "$W"
expect_rc 1 "--check -l of a file declaring SJIS"
grep -q "push a file made on Windows with -w" <<<"$out" || fail "-l of SJIS: no advice"$'\n'"$out"
run --check -w -x "$W"
expect_rc 0 "--check -w of a file declaring SJIS"
printf '<?xml version="1.0" encoding="EUC-JP"?>\n<root>\n<!-- \x80\xff -->\n</root>\n' >"$W/clp.conf"
run --check -w -x "$W"
expect_rc 1 "--check -w of bytes that are no Shift_JIS"
grep -q "$W/clp.conf:3: error: /: byte 0x80 is not a Shift_JIS" <<<"$out" ||
    fail "bad SJIS byte: not reported on line 3"$'\n'"$out"

# ---- no service ----
R=$TMP/root
mkdir -p "$R/etc" "$R/run"
iconv -f UTF-8 -t EUC-JP <<<"$utf8" >"$R/etc/clp.conf"
run --push -x "$B" --root "$R"
expect_rc 3 "--push without clusterpro_trn"
grep -q "clusterpro_trn is not running" <<<"$out" || fail "--push: reason missing"$'\n'"$out"
run --pull -x "$TMP/pulled" --root "$R"
expect_rc 3 "--pull without clusterpro_trn"
[ ! -e "$TMP/pulled/clp.conf" ] || fail "--pull wrote a file without an answer"
sed -i 's|<name>c1</name>|<name></name>|' "$R/etc/clp.conf"
run --push --root "$R" # the installed configuration, which has an error now
expect_rc 4 "--push of an invalid installed configuration"
grep -q "$R/etc/clp.conf:4: error: /root/cluster/name" <<<"$out" ||
    fail "--push of an invalid installed configuration: error not listed"$'\n'"$out"

echo "t_clpcfctrl: $checks runs, $failures failures"
[ "$failures" = 0 ]
