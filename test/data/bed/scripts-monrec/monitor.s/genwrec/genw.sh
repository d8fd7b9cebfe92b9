#!/bin/sh
# t_mon_recovery: fails while work/genwrec-fail exists on this server.
[ ! -f "$CLP_ROOT/work/genwrec-fail" ]
