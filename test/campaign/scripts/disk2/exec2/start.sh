#!/bin/sh
# disk2's application: the HTTP server of web3's start.sh, serving from the
# shared disk's file system (mounted by disk2 before this script runs). Each
# activation increments the disk's marker: the campaign reads it through the
# floating IP.
[ "$CLP_DISK" = SUCCESS ] || { echo "disk2 is not mounted (CLP_DISK=$CLP_DISK)"; exit 1; }
mountpoint -q /mnt/campaign || { echo "/mnt/campaign is not mounted"; exit 1; }
n=$(cat /mnt/campaign/marker.txt 2>/dev/null || echo 0)
echo $((n + 1)) >/mnt/campaign/marker.txt.new && mv /mnt/campaign/marker.txt.new /mnt/campaign/marker.txt
sync
export CAMPAIGN_IP=10.32.0.102 CAMPAIGN_DOC=/mnt/campaign
exec sh "$CLP_ROOT/scripts/web3/exec3/start.sh"
