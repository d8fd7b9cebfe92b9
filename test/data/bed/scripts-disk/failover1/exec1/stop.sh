#!/bin/sh
# The exec resource ends the start script's process group after this script.
echo "STOP $CLP_FACTOR $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
exit 0
