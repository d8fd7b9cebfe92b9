#!/bin/sh
# web1's application, started asynchronously: this very process becomes the
# HTTP server on the floating IP (pidw1 watches its pid). Each activation is
# recorded in work/campaign-events (the campaign reads it).
echo "$(date +%s%3N) $CLP_EVENT $CLP_GROUPNAME $(uname -n)" >>"$CLP_ROOT/work/campaign-events"
export CAMPAIGN_GROUP=$CLP_GROUPNAME
cd "$CLP_ROOT/work" || exit 1
exec socat -T5 TCP-LISTEN:80,bind=10.32.0.101,reuseaddr,fork \
    EXEC:"$CLP_ROOT/scripts/$CLP_GROUPNAME/$CLP_RESOURCENAME/respond.sh"
