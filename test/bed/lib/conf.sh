# shellcheck shell=bash
# clpbed library: the files `up` writes into every server's CLP_ROOT:
#   etc/clp.conf       --conf FILE with @SHARED_DISK@ and @DIR@ replaced, or the
#                      default cluster below
#   etc/clp.key        the cluster secret: 64 hex characters (32 random bytes)
#                      and a newline (as clpkeygen writes it), mode 0600, the
#                      same on every server
#   etc/platform.conf  key=value lines: how the server powers off / reboots /
#                      resets / panics itself on the bed (clpbed crash), and
#                      syslog_socket: where clusterpro_evt sends syslog records
#                      (the servers share the machine's /dev/log; nothing reads
#                      DIR/srvK/syslog.sock unless a test starts a reader)

# conf_default N DISK: the default clp.conf of an N-server bed, in the element
# structure of CLUSTERPRO's clp.conf: servers srv1..srvN (priority K-1), device 0
# (lan1), device 1 (lan2), device 300 (the shared disk), heartbeats lanhb1/lanhb2,
# heartbeat interval 1 s and timeout 5 s, no groups.
conf_default() {
    local n=$1 disk=$2 k
    cat <<EOF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster>
    <name>bedcluster</name>
    <comment/>
    <heartbeat><interval>1000</interval><timeout>5000</timeout></heartbeat>
  </cluster>
EOF
    for ((k = 1; k <= n; k++)); do
        cat <<EOF
  <server name="srv$k">
    <priority>$((k - 1))</priority>
    <device id="0"><type>lan</type><info>10.31.0.$k</info></device>
    <device id="1"><type>lan</type><info>10.32.0.$k</info></device>
    <device id="300"><type>disk</type><info>$disk</info></device>
  </server>
EOF
    done
    # objectnumber = 4 + servers + groups + resources + monitors + (hb + np) * servers
    cat <<EOF
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
    <lanhb name="lanhb2"><priority>1</priority><device>1</device></lanhb>
  </heartbeat>
  <networkpartition/>
  <webmgr><client><objectnumber>$((4 + 3 * n))</objectnumber></client></webmgr>
</root>
EOF
}

# conf_servers N DISK: the <server> elements of an N-server bed (srvK: device 0
# on lan1, 1 on lan2, 300 the shared disk, 10200 ping NP on).
conf_servers() {
    local n=$1 disk=$2 k
    for ((k = 1; k <= n; k++)); do
        printf '  <server name="srv%d"><priority>%d</priority>' "$k" $((k - 1))
        printf '<device id="0"><type>lan</type><info>10.31.0.%d</info></device>' "$k"
        printf '<device id="1"><type>lan</type><info>10.32.0.%d</info></device>' "$k"
        printf '<device id="300"><type>disk</type><info>%s</info></device>' "$disk"
        printf '<device id="10200"><type>ping</type><info>1</info></device></server>\n'
    done
}

# conf_from_file FILE: FILE with the bed's substitutions: @SHARED_DISK@, @DIR@,
# and @SERVERS@ (the <server> elements of this bed, see conf_servers).
conf_from_file() {
    local servers
    servers=$(conf_servers "$BED_N" "$BED_DISK" | tr '\n' ' ')
    sed -e "s|@SHARED_DISK@|$BED_DISK|g" -e "s|@DIR@|$BED_DIR|g" \
        -e "s|@SERVERS@|$servers|g" -- "$1"
}

# server_root_create SERVER CONF KEY: the server's CLP_ROOT with its files.
server_root_create() {
    local s=$1 conf=$2 key=$3 root d
    root=$(server_root "$s")
    for d in etc log alert work run scripts; do
        mkdir -p "$root/$d" || die "cannot create $root/$d"
    done
    ln -sfn "$BED_BIN" "$root/bin"
    if [ -n "$conf" ]; then
        conf_from_file "$conf" >"$root/etc/clp.conf" || die "cannot write $root/etc/clp.conf"
    else
        conf_default "$BED_N" "$BED_DISK" >"$root/etc/clp.conf"
    fi
    if [ -n "${BED_SCRIPTS:-}" ]; then
        cp -a "$BED_SCRIPTS/." "$root/scripts/" || die "cannot copy scripts into $root/scripts"
    fi
    (umask 077 && printf '%s\n' "$key" >"$root/etc/clp.key")
    chmod 0600 "$root/etc/clp.key"
    cat >"$root/etc/platform.conf" <<EOF
poweroff=$BED_SELF --dir $BED_DIR crash $s
reboot=$BED_SELF --dir $BED_DIR crash $s --restart --boot-delay 3
reset=$BED_SELF --dir $BED_DIR crash $s --restart --boot-delay 3
panic=$BED_SELF --dir $BED_DIR crash $s
watchdog=process
syslog_socket=$BED_DIR/$s/syslog.sock
EOF
}

# new_cluster_key: 32 random bytes as 64 lowercase hex characters.
new_cluster_key() {
    od -An -v -tx1 -N32 /dev/urandom | tr -d ' \n'
}
