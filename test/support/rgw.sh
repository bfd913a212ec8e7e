#!/usr/bin/env bash
# A one-host Ceph cluster for the tests: one monitor, one BlueStore OSD on a sparse file, and
# a RADOS Gateway, all in DIR, in the foreground of this script's process group.
#   rgw.sh DIR MON_PORT RGW_PORT WATCHED_PID
# Prints "ready" once the gateway answers, then stays until WATCHED_PID (the test process)
# is gone: then it stops the daemons and removes DIR, so a killed test leaves nothing behind.
set -euo pipefail
dir=$1 mon_port=$2 rgw_port=$3 watched=$4
conf=$dir/ceph.conf
mkdir -p "$dir"/{mon,osd,rgw,run,log}

cleanup() {
  trap - EXIT
  # Nothing is kept, so nothing needs a clean shutdown.
  kill -KILL $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
# What went wrong, with the last words of the daemons, which go with DIR.
fail() {
  echo "$1: $(tail -qn 2 "$dir"/log/*.out 2>/dev/null | tr '\n' ' ')" >&2
  exit 1
}
trap 'exit 1' TERM INT HUP

# Waits for PORT to accept connections while every daemon runs: a minute at most (about
# 20 s on a fresh cluster).
until_open() {
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return; fi
    kill -0 "$watched" 2>/dev/null || exit 1
    for pid in $(jobs -p); do
      kill -0 "$pid" 2>/dev/null || fail "a ceph daemon exited"
    done
    sleep 0.1
  done
  fail "$2 did not open port $1 within a minute"
}

fsid=$(cat /proc/sys/kernel/random/uuid)
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
mon data = $dir/mon
osd data = $dir/osd
# One OSD holds every copy, and every pool of the gateway fits on it.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
# The OSD's data file is sparse: only what is written takes disk space.
bluestore block create = true
bluestore block size = 4294967296
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
# The gateway's default asks for "secure" only, which auth none cannot give: it would hang.
ms mon client mode = crc secure
EOF

ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
ceph-mon -c "$conf" -f -i a >"$dir/log/mon.out" 2>&1 &

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
# Waits for the monitor to come up.
osd_id=$(ceph -c "$conf" --connect-timeout 30 osd new "$osd_uuid" 2>/dev/null) || fail "the monitor did not answer"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >/dev/null
ceph-osd -c "$conf" -f -i "$osd_id" >"$dir/log/osd.out" 2>&1 &
radosgw -c "$conf" -n client.rgw -f >"$dir/log/rgw.out" 2>&1 &

until_open "$rgw_port" "the gateway"
echo ready
# Nobody reads on after that line.
exec >/dev/null

while kill -0 "$watched" 2>/dev/null; do sleep 1; done
