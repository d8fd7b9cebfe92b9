#!/bin/sh
# Monitor tests: a stand-in application. Records each start, so a test sees a
# reactivation (rm 13) as a second START line.
echo "START $CLP_EVENT $(uname -n)" >> "$CLP_ROOT/work/exec1.events"
exit 0
