#!/bin/sh
# t_mon_norecovery: a quick check, always normal.
exit 0
