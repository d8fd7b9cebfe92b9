#!/bin/sh
# t_mon_recovery: fails while work/genwnot-fail exists on this server.
[ ! -f "$CLP_ROOT/work/genwnot-fail" ]
