#!/bin/sh
# t_mon_recovery: fails while work/genwboot-fail exists on this server.
[ ! -f "$CLP_ROOT/work/genwboot-fail" ]
