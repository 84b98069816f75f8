#!/usr/bin/env bash
# Boots the XenPS lab: Xen 4.17 + Debian 12 dom0 under qemu-system-x86_64 (TCG), ssh on 127.0.0.1:$XENPS_LAB_PORT.
# Builds the image first when needed (build-image.sh), waits (<= $XENPS_LAB_BOOT_TIMEOUT s) until `xl list`
# answers over ssh, then prints the environment to use (eval "$(tests/XenLab/start.sh)").
# `start.sh --host 2` boots the second host (ssh on 127.0.0.1:$XENPS_LAB2_PORT, default 2223; see host.sh) and prints
# XENPS_LAB2_*; either host can boot first, and the private link between them comes up when both run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/host.sh"

t0=$SECONDS
if [ "$(id -u)" = 0 ]; then
    "$here/build-image.sh" >&2
else
    [ -f "$LAB_IMAGE/stamp" ] || die "no lab image in $LAB_IMAGE: run build-image.sh as root first"
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
fi
t_built=$SECONDS
mkdir -p "$LAB_RUN"; chmod 700 "$LAB_RUN"
pidfile=$LAB_RUN/qemu.pid

if [ -f "$pidfile" ] && pid=$(cat "$pidfile") && kill -0 "$pid" 2>/dev/null \
   && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q qemu-system; then
    log "lab already running (pid $pid)"
else
    rm -f "$pidfile" "$LAB_RUN"/cm-*
    # known_hosts holds only our fixed host key, so StrictHostKeyChecking=yes works from the first connection.
    if [ "$XENPS_LAB_PORT" = 22 ]; then hk=127.0.0.1; else hk="[127.0.0.1]:$XENPS_LAB_PORT"; fi
    echo "$hk $(cut -d' ' -f1,2 "$LAB_KEYS/ssh_host_ed25519_key.pub")" > "$LAB_RUN/known_hosts"
    : > "$LAB_RUN/serial.log"
    xen_args='console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 loglvl=all guest_loglvl=all noreboot console_timestamps=boot'
    dom0_args='console=hvc0 earlyprintk=xen'
    # QEMU's multiboot -initrd: "module args,module2" (a comma in a path would have to be doubled).
    case "$LAB_IMAGE" in *,*) die "the cache path must not contain a comma: $LAB_IMAGE";; esac
    # the private link: host 1 listens, host 2 connects (QEMU re-accepts when host 2 is restarted)
    if [ "$XENPS_LAB_HOST" = 1 ]; then link="listen=127.0.0.1:$XENPS_LAB_LINK_PORT"; else link="connect=127.0.0.1:$XENPS_LAB_LINK_PORT"; fi
    log "booting Xen host $XENPS_LAB_HOST under QEMU/TCG (ssh on 127.0.0.1:$XENPS_LAB_PORT, serial log $LAB_RUN/serial.log)"
    qemu-system-x86_64 \
        -machine pc -accel tcg -cpu qemu64,+svm,+npt,+rdrand -m "$XENPS_LAB_MEM" -smp 1 \
        -display none -monitor none -no-reboot \
        -serial "file:$LAB_RUN/serial.log" \
        -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$XENPS_LAB_PORT-:22" -device virtio-net-pci,netdev=n0 \
        -netdev "socket,id=n1,$link" -device "e1000,netdev=n1,mac=$LAB_LINK_MAC" \
        -kernel "$LAB_IMAGE/xen" -append "$xen_args" \
        -initrd "$LAB_IMAGE/vmlinuz $dom0_args,$LAB_IMAGE/dom0.cpio" \
        -pidfile "$pidfile" -daemonize
fi
t_qemu=$SECONDS

pid=$(cat "$pidfile")
deadline=$((SECONDS + XENPS_LAB_BOOT_TIMEOUT))
until lab_ssh xl list >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$LAB_RUN/serial.log" >&2; die "QEMU (pid $pid) died while booting"; }
    if [ $SECONDS -ge $deadline ]; then
        tail -30 "$LAB_RUN/serial.log" >&2
        die "no answer from 'xl list' over ssh within $XENPS_LAB_BOOT_TIMEOUT s (QEMU still runs: tests/XenLab/stop.sh)"
    fi
    sleep 1
done
# The private link and xl migrate's ssh transport (our own constant script; the values are the lab's, not a user's):
# the e1000 NIC (loaded only now, so the boot script's NIC stays the first) gets 192.0.2.N; both names resolve; root
# has the lab's client key (which every lab dom0 accepts) and knows the lab host key under every name it may dial.
lab_ssh 'umask 077; mkdir -p /root/.ssh; cat > /root/.ssh/id_ed25519' < "$LAB_KEYS/id_ed25519"
lab_ssh sh -s "$LAB_LINK_MAC" "$LAB_LINK_IP" $(cut -d' ' -f1,2 "$LAB_KEYS/ssh_host_ed25519_key.pub") <<'LINK' \
    || die "setting up the private link in dom0 failed"
set -e
modprobe e1000 2>/dev/null || true
nic=
for _ in $(seq 1 50); do
    for n in /sys/class/net/*; do [ "$(cat "$n/address")" = "$1" ] && nic=${n##*/}; done
    [ -n "$nic" ] && break; sleep 0.1
done
[ -n "$nic" ] || { echo "no NIC with MAC $1" >&2; exit 1; }
ip link set "$nic" up
ip addr replace "$2/24" dev "$nic"
grep -q ' xenlab1$' /etc/hosts || printf '192.0.2.1 xenlab1\n192.0.2.2 xenlab2\n' >> /etc/hosts
printf 'xenlab1,xenlab2,localhost,127.0.0.1,192.0.2.1,192.0.2.2 %s %s\n' "$3" "$4" > /root/.ssh/known_hosts
LINK
log "ready: build/check $((t_built - t0)) s, xl list answered $((SECONDS - t_qemu)) s after QEMU started"

if [ "$XENPS_LAB_HOST" = 1 ]; then v=XENPS_LAB; else v=XENPS_LAB2; fi
cat <<ENV
export ${v}_URI=ssh://root@127.0.0.1:$XENPS_LAB_PORT
export ${v}_IDENTITY=$LAB_KEYS/id_ed25519
export ${v}_KNOWN_HOSTS=$LAB_RUN/known_hosts
export ${v}_PID=$pid
# ssh -i $LAB_KEYS/id_ed25519 -o UserKnownHostsFile=$LAB_RUN/known_hosts -p $XENPS_LAB_PORT root@127.0.0.1 xl list
ENV
