#!/bin/bash
# make run: the demo then a shell (when stdin is a terminal), or one command: make run CMD='...'
set -euo pipefail
. "$(dirname "$0")/common.sh"
opts=()
[ -n "${SHARE:-}" ] && opts+=(--share "$SHARE")
if [ -n "${CMD:-}" ]; then
	exec "$TOP/scripts/qemu.sh" "${opts[@]}" --log run -- "$CMD"
fi
[ -t 0 ] && opts+=(--interactive)
exec "$TOP/scripts/qemu.sh" "${opts[@]}" --log run -- /demo.sh
