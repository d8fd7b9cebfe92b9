#!/bin/sh
# t_mon_recovery: a check that takes 85 % of its timeout (5.1 s of 6 s):
# above the default delay warning rate (80 %), never a warning at 100 %.
date +%s%3N >> "$CLP_ROOT/work/genwslow.runs"
sleep 5.1
exit 0
