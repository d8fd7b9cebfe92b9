#!/bin/sh
# Fails while the file work/exec-fail exists on this server.
echo "START $CLP_EVENT $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
if [ -e "$CLP_ROOT/work/exec-fail" ]; then
    echo "start refused on $(uname -n) (test)"
    exit 1
fi
exit 0
