#!/bin/sh
# One HTTP answer (socat runs it per connection): "SERVER GROUP", then the
# marker the group keeps on the shared disk when it has one.
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
echo "$(uname -n) $CAMPAIGN_GROUP"
[ -f marker.txt ] && cat marker.txt
exit 0
