#!/bin/sh
# Runs a command in a new network namespace on an ovsnet network, then removes both: the
# CNI project's priv-net-run.sh for ovsnet. The namespace is attached through the ovsnet
# CNI plugin (ADD before the command, DEL after it, also when it fails or is interrupted),
# so it gets the same isolation, ICC policy and anti-spoofing as any container.
#
# usage: ovsnet-netns-run.sh [-f CONF] [-i IFNAME] COMMAND [ARG...]
#   -f CONF    a single-plugin network configuration (.conf) of type ovsnet;
#              default: the first *.conf in $NETCONFPATH (default /etc/cni/net.d)
#   -i IFNAME  the interface name inside the namespace (default eth0)
# The plugin is `ovsnet` in $CNI_PATH (default /opt/cni/bin:/usr/lib/cni), else
# `ovsnet-cni` on PATH. Needs root (ip netns). Exits with the command's status.
set -eu

usage() {
  echo "usage: $0 [-f CONF] [-i IFNAME] COMMAND [ARG...]" >&2
  exit 2
}

conf=""
ifname=eth0
while getopts f:i: opt; do
  case $opt in
    f) conf=$OPTARG ;;
    i) ifname=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage

if [ -z "$conf" ]; then
  for candidate in "${NETCONFPATH:-/etc/cni/net.d}"/*.conf; do
    [ -f "$candidate" ] && conf=$candidate && break
  done
fi
if [ -z "$conf" ] || [ ! -f "$conf" ]; then
  echo "$0: no network configuration: give -f FILE or put a .conf in ${NETCONFPATH:-/etc/cni/net.d}" >&2
  exit 1
fi

cni_path=${CNI_PATH:-/opt/cni/bin:/usr/lib/cni}
plugin=""
old_ifs=$IFS
IFS=:
for dir in $cni_path; do
  if [ -x "$dir/ovsnet" ]; then
    plugin=$dir/ovsnet
    break
  fi
done
IFS=$old_ifs
[ -n "$plugin" ] || plugin=$(command -v ovsnet-cni || true)
if [ -z "$plugin" ]; then
  echo "$0: the ovsnet CNI plugin is neither in $cni_path nor on PATH (ovsnet-cni)" >&2
  exit 1
fi

name=ovsnet-run-$$
netns=/run/netns/$name
cni() {
  CNI_COMMAND=$1 CNI_CONTAINERID=$name CNI_NETNS=$netns CNI_IFNAME=$ifname CNI_PATH=$cni_path "$plugin" <"$conf"
}

ip netns add "$name"
cleanup() {
  cni DEL >/dev/null || echo "$0: DEL failed; run it again with CNI_CONTAINERID=$name" >&2
  ip netns del "$name"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip -n "$name" link set lo up
if ! result=$(cni ADD); then
  echo "$0: ADD failed: $result" >&2
  exit 1
fi
status=0
ip netns exec "$name" "$@" || status=$?
exit $status
