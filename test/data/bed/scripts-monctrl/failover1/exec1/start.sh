#!/bin/sh
# Asynchronous start script of the pidw test: records the start (event,
# server, its own pid, which the exec resource keeps for pidw), then becomes
# the application itself.
echo "START $CLP_EVENT $(uname -n) $$" >> "$CLP_ROOT/work/exec1.events"
exec sleep 3600
