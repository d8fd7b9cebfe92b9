#!/bin/sh
# One HTTP answer (run by socat per connection): the server's name, and the
# marker written on the shared disk when there is one.
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
cat server.txt
[ -f marker.txt ] && cat marker.txt
exit 0
