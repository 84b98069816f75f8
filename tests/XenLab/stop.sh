#!/usr/bin/env bash
# Stops the XenPS lab QEMU by its saved pid (never by name). `stop.sh --host 2` stops the second host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/host.sh"
pidfile=$LAB_RUN/qemu.pid
[ -f "$pidfile" ] || { log "not running (no $pidfile)"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q qemu-system; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped QEMU pid $pid"
else
    log "pid $pid is not a running QEMU; cleaning up"
fi
# end shared ssh connections, then forget the state
for s in "$LAB_RUN"/cm-*; do [ -S "$s" ] && ssh -o "ControlPath=$s" -O exit dummy 2>/dev/null || true; done
rm -f "$pidfile" "$LAB_RUN"/cm-*
