#!/bin/sh
# t_mon_recovery: the monitor's script (recovery script and the scripts
# before reactivation / failover / final action). Records when it ran and the
# environment the cluster gave it, one line per run.
echo "$(date +%s%3N) server=$CLP_SERVER_LOCAL action=$CLP_ACTION monitor=$CLP_MONITORNAME" \
    "recovery=${CLP_RECOVERYCOUNT-unset} restart=${CLP_RESTARTCOUNT-unset}" \
    "failover=${CLP_FAILOVERCOUNT-unset} os=$CLP_OSNAME path=$CLP_PATH" \
    "version=$CLP_VERSION_FULL major=$CLP_VERSION_MAJOR" >> "$CLP_ROOT/work/preaction.log"
echo "preaction $CLP_ACTION done"
exit 0
