#!/bin/sh
# web3's application (synchronous start): an HTTP server on the floating IP in
# the script's process group, which the exec resource ends at deactivation.
# Ready when it listens.
echo "$(date +%s%3N) $CLP_EVENT $CLP_GROUPNAME $(uname -n)" >>"$CLP_ROOT/work/campaign-events"
export CAMPAIGN_GROUP=$CLP_GROUPNAME
IP=${CAMPAIGN_IP:-10.32.0.103}
cd "${CAMPAIGN_DOC:-$CLP_ROOT/work}" || exit 1
nohup socat -T5 TCP-LISTEN:80,bind=$IP,reuseaddr,fork \
    EXEC:"$CLP_ROOT/scripts/$CLP_GROUPNAME/$CLP_RESOURCENAME/respond.sh" >/dev/null 2>&1 &
i=0
while [ $i -lt 200 ]; do
    ss -lnt 2>/dev/null | grep -q "$IP:80 " && exit 0
    i=$((i + 1))
    sleep 0.05
done
echo "the HTTP server did not start on $IP:80"
exit 1
