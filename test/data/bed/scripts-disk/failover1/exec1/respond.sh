#!/bin/sh
# One HTTP answer (run by socat per connection, in the disk's mount point):
# the server's name and every *.txt file of the disk.
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
echo "server=$(uname -n)"
for f in *.txt; do
    [ -f "$f" ] && echo "$f=$(cat "$f")"
done
exit 0
