#!/bin/sh
# Test application: an HTTP responder on the floating IP (socat, one process per
# request) that answers with the name of the server it runs on, and with the
# content of the shared disk's marker file when DOCROOT is set. It stays in the
# script's process group, which the exec resource ends at deactivation.
# CLP_* variables and events are recorded for the tests.
env | grep '^CLP_' | sort > "$CLP_ROOT/work/exec1.env"
echo "$CLP_EVENT $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
DOC=${CLP_DOCROOT:-$CLP_ROOT/work/www}
mkdir -p "$DOC" || exit 1
uname -n > "$DOC/server.txt"
cd "$DOC" || exit 1
RESPOND=$(dirname "$0")/respond.sh
case $RESPOND in /*) ;; *) RESPOND=$PWD/$RESPOND ;; esac
nohup socat -T5 TCP-LISTEN:80,bind=10.32.0.100,reuseaddr,fork EXEC:"$RESPOND" >/dev/null 2>&1 &
# Ready when it listens.
i=0
while [ $i -lt 100 ]; do
    ss -lnt 2>/dev/null | grep -q '10.32.0.100:80 ' && exit 0
    i=$((i + 1)); sleep 0.05
done
echo "the HTTP responder did not start"
exit 1
