# Which lab host a script acts on (sourced after lib.sh, not run; kept out of lib.sh so the image stamp stays put).
# Two hosts run from the one image: host 1 (the lab every Lab spec uses) and, for the suites that need a second
# host (live migration, fan-out over real hosts), host 2. Pick one with `--host 2` or XENPS_LAB_HOST=2. The two
# dom0s share a private link (a QEMU socket netdev on loopback: host 1 listens, host 2 connects) on which they are
# xenlab1 (192.0.2.1) and xenlab2 (192.0.2.2); each can ssh as root to both and to localhost (xl migrate's transport).
XENPS_LAB_HOST=${XENPS_LAB_HOST:-1}
if [ "${1:-}" = --host ]; then XENPS_LAB_HOST=${2:-}; fi
case "$XENPS_LAB_HOST" in 1|2) ;; *) die "--host must be 1 or 2 (got '$XENPS_LAB_HOST')";; esac
XENPS_LAB_LINK_PORT=${XENPS_LAB_LINK_PORT:-2230}   # loopback TCP port of the private link
if [ "$XENPS_LAB_HOST" = 2 ]; then
    XENPS_LAB_PORT=${XENPS_LAB2_PORT:-2223}
    XENPS_LAB_MEM=${XENPS_LAB2_MEM:-2048}
    LAB_RUN=$XENPS_LAB_CACHE/run2
fi
LAB_LINK_IP=192.0.2.$XENPS_LAB_HOST
LAB_LINK_MAC=52:54:00:c0:02:0$XENPS_LAB_HOST
