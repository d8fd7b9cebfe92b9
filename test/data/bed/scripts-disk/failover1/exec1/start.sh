#!/bin/sh
# t_rsc_disk's application: an HTTP responder on the floating IP (socat, one
# process per request) serving from the shared disk's file system, mounted by
# the disk resource before this script runs (CLP_DISK=SUCCESS). It answers
# with the name of the server it runs on and the marker file written on the
# disk. It stays in the script's process group, which the exec resource ends
# at deactivation, before the disk is unmounted.
DOC=/mnt/clpdisk
echo "$CLP_EVENT $CLP_DISK $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
[ "$CLP_DISK" = SUCCESS ] || { echo "ERROR_DISK from $CLP_EVENT"; exit 1; }
mountpoint -q "$DOC" || { echo "$DOC is not mounted"; exit 1; }
cd "$DOC" || exit 1
RESPOND=$(dirname "$0")/respond.sh
case $RESPOND in /*) ;; *) RESPOND=$CLP_ROOT/scripts/$CLP_GROUPNAME/$CLP_RESOURCENAME/respond.sh ;; esac
nohup socat -T5 TCP-LISTEN:80,bind=10.32.0.100,reuseaddr,fork EXEC:"$RESPOND" >/dev/null 2>&1 &
i=0
while [ $i -lt 100 ]; do
    ss -lnt 2>/dev/null | grep -q '10.32.0.100:80 ' && exit 0
    i=$((i + 1)); sleep 0.05
done
echo "the HTTP responder did not start"
exit 1
