#!/usr/bin/env bash
# Checks a running lab end to end: `xl list` over ssh, then a guest created from dom0's /etc/xen/test1.cfg
# prints XENPS-GUEST-UP on its console (read from xenconsoled's guest log), then is destroyed. Prints timings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ms() { date +%s%3N; }
t=$(ms); lab_ssh xl list >/dev/null; log "xl list over ssh: $(( $(ms) - t )) ms"
t=$(ms); lab_ssh xl list >/dev/null; log "xl list, reused connection: $(( $(ms) - t )) ms"
lab_ssh 'xl list test1 >/dev/null 2>&1 && xl destroy test1; true'
# xenconsoled APPENDS to guest-<name>.log: remember where this boot starts
off=$(lab_ssh '{ wc -c < /var/log/xen/console/guest-test1.log; } 2>/dev/null || echo 0')
t=$(ms); lab_ssh xl create /etc/xen/test1.cfg; log "xl create /etc/xen/test1.cfg: $(( $(ms) - t )) ms"
lab_ssh "for i in \$(seq 1 600); do tail -c +$((off + 1)) /var/log/xen/console/guest-test1.log 2>/dev/null | grep -aq XENPS-GUEST-UP && exit 0; sleep 0.1; done; exit 1" \
    || die "no XENPS-GUEST-UP from test1 within 60 s"
log "create -> console marker: $(( $(ms) - t )) ms"
lab_ssh "tail -c +$((off + 1)) /var/log/xen/console/guest-test1.log | grep -a XENPS-GUEST-UP"
t=$(ms); lab_ssh xl destroy test1; log "xl destroy: $(( $(ms) - t )) ms"
log "smoke test passed"
