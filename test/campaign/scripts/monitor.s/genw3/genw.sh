#!/bin/sh
# genw3: fails while work/genw3.fail exists on this server. The file holds how
# many more checks fail (the campaign writes it): each failing check counts one
# down, the last one removes the file.
f=$CLP_ROOT/work/genw3.fail
[ -e "$f" ] || exit 0
n=$(cat "$f" 2>/dev/null)
n=$((${n:-1} - 1))
if [ "$n" -le 0 ]; then rm -f "$f"; else echo "$n" >"$f"; fi
echo "genw3: failing as asked ($n more)"
exit 1
