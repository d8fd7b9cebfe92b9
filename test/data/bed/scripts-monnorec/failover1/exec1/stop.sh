#!/bin/sh
echo "STOP $CLP_FACTOR $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
exit 0
