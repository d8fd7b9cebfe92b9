#!/bin/sh
# t_mon_norecovery: fails while work/genwfail-fail exists on this server.
[ ! -f "$CLP_ROOT/work/genwfail-fail" ]
