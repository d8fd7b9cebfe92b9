#!/bin/sh
# genw test: always normal; records each run (the monitor's own pace while
# the others hang).
date +%s.%N >> "$CLP_ROOT/work/genwok.runs"
exit 0
