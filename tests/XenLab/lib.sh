# Shared settings for the XenPS lab scripts (sourced, not run).
# A Xen 4.17 host (Debian 12 dom0) booted under QEMU/TCG, reachable over ssh on 127.0.0.1 only.
# See tests/XenLab/README.md.

XENPS_LAB_CACHE=${XENPS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenps-lab}
XENPS_LAB_PORT=${XENPS_LAB_PORT:-2222}
XENPS_LAB_MEM=${XENPS_LAB_MEM:-3072}
XENPS_LAB_BOOT_TIMEOUT=${XENPS_LAB_BOOT_TIMEOUT:-300}

LAB_IMAGE=$XENPS_LAB_CACHE/image          # xen (ELF), vmlinuz, dom0.cpio, stamp
LAB_KEYS=$XENPS_LAB_CACHE/keys            # client key pair + the dom0 host key (kept across rebuilds)
LAB_RUN=$XENPS_LAB_CACHE/run              # pid file, serial log, known_hosts, ssh control sockets

log() { printf '[xenps-lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Installs the host tools the lab needs (only those missing) with apt-get.
ensure_host_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
    log "installing host packages: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        apt-get update >&2 || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
            || die "apt-get install failed: ${missing[*]}"
    fi
}

# Prints "type uri suite components..." for every enabled Debian source of this machine
# (one-line *.list and deb822 *.sources). The mirror is never hard-coded: it is read here.
apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1=="deb" && NF>=3 {print}'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no")
                    for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print "deb", u[i], s[j], comps
                types = ""; nu = 0; ns = 0; comps = ""; enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
              if (key == "types") types = $0
              else if (key == "uris") nu = split($0, u, " ")
              else if (key == "suites") ns = split($0, s, " ")
              else if (key == "components") comps = $0
              else if (key == "enabled") enabled = tolower($0) }
            END { flush() }' "$f"
    done
}

ssh_opts() {
    # Options for talking to the lab dom0. StrictHostKeyChecking stays on: the host key is ours.
    printf '%s\n' -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o "UserKnownHostsFile=$LAB_RUN/known_hosts" -o IdentitiesOnly=yes -i "$LAB_KEYS/id_ed25519" \
        -o ConnectTimeout=5 -o LogLevel=ERROR \
        -o ControlMaster=auto -o "ControlPath=$LAB_RUN/cm-%C" -o ControlPersist=60 \
        -p "$XENPS_LAB_PORT"
}

lab_ssh() {
    local opts; mapfile -t opts < <(ssh_opts)
    ssh "${opts[@]}" root@127.0.0.1 "$@"
}
