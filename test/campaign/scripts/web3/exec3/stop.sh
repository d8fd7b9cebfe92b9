#!/bin/sh
# The exec resource ends the start script's process group after this script.
echo "$(date +%s%3N) STOP-$CLP_FACTOR $CLP_GROUPNAME $(uname -n)" >>"$CLP_ROOT/work/campaign-events"
exit 0
