#!/usr/bin/env bash
# Builds the XenPS lab image from Debian packages (see shared LAB.md for the recipe this follows):
#   xen            the Xen 4.17 hypervisor, gunzipped (QEMU's multiboot loader wants a plain ELF)
#   vmlinuz        the Debian 6.1 kernel for dom0
#   dom0.cpio      dom0 root (debootstrap minbase + xen-utils-4.17 + sshd), UNCOMPRESSED cpio
# Skips the work when the inputs (this script, lib.sh, the package versions, the mirror) are unchanged.
# Usage: build-image.sh [--force]      Needs root (debootstrap, chroot). Env: see lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

force=0
[ "${1:-}" = --force ] && force=1
[ "$(id -u)" = 0 ] || die "build-image.sh needs root (debootstrap + chroot)"

t_start=$SECONDS
ensure_host_packages qemu-system-x86 debootstrap cpio busybox-static openssh-client
mkdir -p "$LAB_IMAGE" "$LAB_KEYS" "$LAB_RUN"

# ---- keys: generated once, kept across rebuilds (so known_hosts stays valid) ----
[ -f "$LAB_KEYS/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C xenps-lab-client -f "$LAB_KEYS/id_ed25519"
[ -f "$LAB_KEYS/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C xenps-lab-host -f "$LAB_KEYS/ssh_host_ed25519_key"
chmod 600 "$LAB_KEYS/id_ed25519" "$LAB_KEYS/ssh_host_ed25519_key"

# ---- the machine's own Debian mirror and suites ----
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mapfile -t srcs < <(apt_sources | awk -v c="$codename" '$3 == c || index($3, c "-") == 1')
[ ${#srcs[@]} -gt 0 ] || die "no enabled apt source for $codename in /etc/apt/sources.list*"
mirror=$(printf '%s\n' "${srcs[@]}" | awk -v c="$codename" '$3 == c {print $2; exit}')
[ -n "$mirror" ] || die "no apt source with suite $codename"
sources_list=$(printf '%s\n' "${srcs[@]}" | awk '{print "deb", $2, $3, "main"}' | sort -u)

# ---- package versions decide whether the cache is still good ----
ver() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}'; }
# (no `grep -q` on a pipe here: with pipefail its early exit SIGPIPEs the writer and the test "fails")
[ -n "$(ver xen-hypervisor-4.17-amd64)" ] || apt-get update >&2
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
inputs=$(printf '%s\n' "$(cat "$here/build-image.sh" "$here/lib.sh" | sha256sum)" \
    "xen=$(ver xen-hypervisor-4.17-amd64)" "$kpkg=$(ver "$kpkg")" "busybox=$(ver busybox-static)" \
    "$sources_list" "$(sha256sum < "$LAB_KEYS/ssh_host_ed25519_key.pub")" "$(sha256sum < "$LAB_KEYS/id_ed25519.pub")" | sha256sum | cut -c1-32)
if [ $force = 0 ] && [ -f "$LAB_IMAGE/stamp" ] && [ "$(cat "$LAB_IMAGE/stamp")" = "$inputs" ] \
   && [ -f "$LAB_IMAGE/xen" ] && [ -f "$LAB_IMAGE/vmlinuz" ] && [ -f "$LAB_IMAGE/dom0.cpio" ]; then
    log "image up to date ($LAB_IMAGE, inputs $inputs) — $((SECONDS - t_start)) s"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xenps-lab-build.XXXXXX")
cleanup() {
    for m in dev/pts dev proc sys; do mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m"; done
    rm -rf "$work"
}
trap cleanup EXIT

# ---- hypervisor + kernel: downloaded and unpacked, never installed on this machine ----
log "downloading xen-hypervisor-4.17-amd64 and $kpkg"
(cd "$work" && apt-get download xen-hypervisor-4.17-amd64 "$kpkg" >&2)
mkdir -p "$work/xenpkg" "$work/kpkg"
dpkg-deb -x "$work"/xen-hypervisor-4.17-amd64_*.deb "$work/xenpkg"
dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/kpkg"
kver=${kpkg#linux-image-}
xen_gz=$(ls "$work"/xenpkg/boot/xen-4.17-amd64.gz 2>/dev/null || ls "$work"/xenpkg/boot/xen-*.gz | head -1)
gunzip -c "$xen_gz" > "$work/xen"
cp "$work/kpkg/boot/vmlinuz-$kver" "$work/vmlinuz"

# A guest kernel as gzip'd ELF: `xl create` builds it ~2x faster under TCG than the bzImage.
extract_vmlinux() (   # $1 bzImage -> stdout ELF, or fail (subshell: no pipefail, `head` SIGPIPEs the decompressor)
    set +o pipefail
    local img=$1 sig tool off
    for sig in '\x1f\x8b\x08:gzip -dc' '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' ; do
        tool=${sig#*:}; sig=${sig%%:*}
        for off in $(LC_ALL=C grep -aboP "$sig" "$img" | cut -d: -f1 | head -5); do
            if tail -c +$((off + 1)) "$img" | $tool 2>/dev/null | head -c 4 | grep -q 'ELF'; then
                tail -c +$((off + 1)) "$img" | $tool 2>/dev/null
                return 0
            fi
        done
    done
    return 1
)
if extract_vmlinux "$work/vmlinuz" > "$work/vmlinux" && [ -s "$work/vmlinux" ]; then
    gzip -1 -c "$work/vmlinux" > "$work/guest-kernel"; guest_kernel=vmlinux.gz
else
    log "could not extract an ELF vmlinux; guests boot the bzImage (slower)"
    cp "$work/vmlinuz" "$work/guest-kernel"; guest_kernel=vmlinuz
fi

# ---- dom0 root ----
R=$work/root
log "debootstrap minbase $codename from $mirror"
debootstrap --variant=minbase "$codename" "$R" "$mirror" > "$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
printf '%s\n' "$sources_list" > "$R/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod 755 "$R/usr/sbin/policy-rc.d"
mount -t proc proc "$R/proc"; mount -t sysfs sys "$R/sys"; mount --bind /dev "$R/dev"; mount --bind /dev/pts "$R/dev/pts"
inchroot() { chroot "$R" env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
log "dom0 packages (updates + security suites so the tools match the hypervisor)"
inchroot apt-get update >&2
inchroot apt-get -y dist-upgrade >&2
inchroot apt-get install -y --no-install-recommends xen-utils-4.17 openssh-server kmod iproute2 procps \
    bridge-utils busybox >&2
dom0_xen=$(inchroot dpkg-query -W -f='${Version}' xen-utils-4.17)
log "xen-utils-4.17 in dom0: $dom0_xen; hypervisor: $(ver xen-hypervisor-4.17-amd64)"
for m in dev/pts dev proc sys; do umount -l "$R/$m"; done

# kernel modules: only what dom0 loads, with their dependencies
mkdir -p "$R/lib/modules"
cp -a "$work/kpkg/lib/modules/$kver" "$R/lib/modules/"
depmod -b "$R" "$kver" 2>/dev/null || inchroot depmod "$kver"
keep=$work/keep-modules
: > "$keep"
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback loop bridge tun \
         virtio_pci virtio_net e1000 ext4 xen-blkfront xen-netfront; do
    inchroot modprobe -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1=="insmod" {print $2}' >> "$keep" || true
done
sort -u -o "$keep" "$keep"
find "$R/lib/modules/$kver/kernel" -name '*.ko*' | sed "s|^$R||" | sort | comm -23 - "$keep" | sed "s|^|$R|" | xargs -r rm -f
find "$R/lib/modules/$kver/kernel" -type d -empty -delete
inchroot depmod "$kver"

# ---- guest initramfs (static busybox) ----
G=$work/guest
mkdir -p "$G"/{bin,sbin,dev,proc,sys,etc,lib/modules,usr/bin,usr/sbin}
cp /bin/busybox "$G/bin/busybox"
for m in xen-blkfront xen-netfront; do
    inchroot modprobe -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1=="insmod" {print $2}' | while read -r p; do
        cp "$R$p" "$G/lib/modules/"; echo "$(basename "$p")" >> "$G/lib/modules/order"
    done || true
done
cat > "$G/init" <<'GINIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
[ -f /lib/modules/order ] && for m in $(cat /lib/modules/order); do
    case $m in *.ko.xz) xz -dc /lib/modules/$m > /tmp.ko 2>/dev/null && insmod /tmp.ko; rm -f /tmp.ko;;
               *) insmod /lib/modules/$m ;; esac 2>/dev/null
done
exec /bin/busybox init
GINIT
chmod 755 "$G/init"
cat > "$G/etc/inittab" <<'GTAB'
::sysinit:/etc/rc
hvc0::respawn:/bin/sh
::shutdown:/bin/echo XENPS-GUEST-SHUTDOWN
GTAB
cat > "$G/etc/rc" <<'GRC'
#!/bin/sh
hostname xenps-guest
ip link set lo up 2>/dev/null
echo "XENPS-GUEST-UP uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) uuid=$(cat /sys/hypervisor/uuid 2>/dev/null) disks=$(ls /sys/block 2>/dev/null | grep xvd | tr '\n' ' ')nics=$(ls /sys/class/net | tr '\n' ' ')" > /dev/hvc0
GRC
chmod 755 "$G/etc/rc"
mkdir -p "$R/var/lib/xenlab"
(cd "$G" && find . | cpio -o -H newc --quiet | gzip -9) > "$R/var/lib/xenlab/domu-initrd.gz"
cp "$work/guest-kernel" "$R/var/lib/xenlab/$guest_kernel"
# A stable name for tests, whichever kernel form was extracted.
ln -sf "$guest_kernel" "$R/var/lib/xenlab/guest-kernel"
cat > "$R/etc/xen/test1.cfg" <<GCFG
# minimal PV guest: Debian kernel + busybox initramfs, no disk, no network (XenPS lab)
name     = "test1"
type     = "pv"
kernel   = "/var/lib/xenlab/$guest_kernel"
ramdisk  = "/var/lib/xenlab/domu-initrd.gz"
extra    = "console=hvc0 quiet"
memory   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "restart"
on_crash    = "destroy"
GCFG

# ---- dom0 configuration ----
echo xenps-lab-dom0 > "$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 xenps-lab-dom0\n' > "$R/etc/hosts"
rm -f "$R"/etc/ssh/ssh_host_*
cp "$LAB_KEYS/ssh_host_ed25519_key" "$LAB_KEYS/ssh_host_ed25519_key.pub" "$R/etc/ssh/"
chmod 600 "$R/etc/ssh/ssh_host_ed25519_key"
mkdir -p "$R/root/.ssh"; chmod 700 "$R/root/.ssh"
cp "$LAB_KEYS/id_ed25519.pub" "$R/root/.ssh/authorized_keys"; chmod 600 "$R/root/.ssh/authorized_keys"
cat > "$R/etc/ssh/sshd_config.d/xenps-lab.conf" <<'SSHD'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxSessions 64
MaxStartups 64:30:128
SSHD
# every guest console is logged to /var/log/xen/console/guest-<name>.log (XenPS reads consoles there), with
# --timestamp=guest so that each new domain of a name starts with a "Logfile Opened" line XenPS finds its boot by
if grep -q '^#\?XENCONSOLED_ARGS' "$R/etc/default/xen" 2>/dev/null; then
    sed -i 's|^#\?XENCONSOLED_ARGS=.*|XENCONSOLED_ARGS="--log=guest --timestamp=guest --log-dir=/var/log/xen/console"|' "$R/etc/default/xen"
else
    echo 'XENCONSOLED_ARGS="--log=guest --timestamp=guest --log-dir=/var/log/xen/console"' >> "$R/etc/default/xen"
fi
rm -f "$R/usr/sbin/policy-rc.d"

cat > "$R/init" <<'DINIT'
#!/bin/sh
# XenPS lab dom0 init (PID 1 -> busybox init; much faster than systemd under TCG)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
exec /bin/busybox init
DINIT
chmod 755 "$R/init"
cat > "$R/etc/inittab" <<'DTAB'
::sysinit:/etc/xenps-lab-rcS
::respawn:/sbin/getty -n -l /bin/sh 115200 hvc0
::shutdown:/etc/init.d/xen stop
DTAB
# busybox getty lives only as an applet
sed -i 's|/sbin/getty|/bin/busybox getty|' "$R/etc/inittab"
cat > "$R/etc/xenps-lab-rcS" <<'DRC'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "XENPS-LAB-DOM0-RCS uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
# /var/lock is /run/lock: xenconsole (xl console) takes its lock there
mkdir -p /run/sshd /run/lock /var/log/xen/console /var/lib/xen /run/xen
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -o remount,size=90% / 2>/dev/null
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback loop bridge tun virtio_pci virtio_net; do
    modprobe "$m" 2>/dev/null
done
mount -t xenfs xenfs /proc/xen
hostname xenps-lab-dom0
ip link set lo up
nic=$(ls /sys/class/net | grep -v -E '^(lo|xenbr|vif|tap)' | head -1)
ip link set "$nic" up; ip addr add 10.0.2.15/24 dev "$nic"; ip route add default via 10.0.2.2
ip link add xenbr0 type bridge; ip link set xenbr0 up
/usr/sbin/sshd
echo "XENPS-LAB-SSHD-STARTED uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
/etc/init.d/xen start > /dev/console 2>&1
echo "XENPS-LAB-DOM0-READY uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
DRC
chmod 755 "$R/etc/xenps-lab-rcS"

# ---- slim and pack ----
rm -rf "$R"/usr/share/{doc,man,info,locale,lintian,linda} "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/* \
       "$R"/var/cache/debconf/*-old "$R"/var/log/*.log "$R"/boot/*
log "packing dom0 root ($(du -sm "$R" | cut -f1) MiB) as uncompressed cpio"
(cd "$R" && find . | cpio -o -H newc --quiet) > "$work/dom0.cpio"

mv "$work/xen" "$LAB_IMAGE/xen"; mv "$work/vmlinuz" "$LAB_IMAGE/vmlinuz"; mv "$work/dom0.cpio" "$LAB_IMAGE/dom0.cpio"
printf 'hypervisor %s\nkernel %s %s\ndom0 xen-utils-4.17 %s\nguest kernel %s\n' \
    "$(ver xen-hypervisor-4.17-amd64)" "$kpkg" "$(ver "$kpkg")" "$dom0_xen" "$guest_kernel" > "$LAB_IMAGE/versions.txt"
echo "$inputs" > "$LAB_IMAGE/stamp"
log "image built in $((SECONDS - t_start)) s: $LAB_IMAGE ($(du -sm "$LAB_IMAGE" | cut -f1) MiB)"
