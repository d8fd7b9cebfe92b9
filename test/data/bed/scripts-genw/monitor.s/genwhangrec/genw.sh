#!/bin/sh
# genw test: hangs (sleeps "forever") while work/genw-hang exists on this
# server, else reports normal. The monitor's timeout must end it.
if [ -f "$CLP_ROOT/work/genw-hang" ]; then
    exec sleep 1000000
fi
exit 0
