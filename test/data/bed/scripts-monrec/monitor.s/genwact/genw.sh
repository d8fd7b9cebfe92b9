#!/bin/sh
# t_mon_recovery: records each run (ms since the epoch); always normal.
date +%s%3N >> "$CLP_ROOT/work/genwact.runs"
exit 0
