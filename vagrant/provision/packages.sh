#!/usr/bin/env bash
# Every VM: Open vSwitch, Docker, the tools ovsnet drives, and Node.js 20 (Debian 12 ships
# Node 18, older than ovsnet needs).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq --no-install-recommends openvswitch-switch docker.io iproute2 iptables \
  ethtool iputils-ping busybox-static etcd-client curl ca-certificates xz-utils >/dev/null
systemctl enable --now openvswitch-switch

if ! node --version 2>/dev/null | grep -q '^v20\.'; then
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64 ;;
    arm64) arch=arm64 ;;
    *) echo "no Node.js 20 build for $(dpkg --print-architecture)" >&2; exit 1 ;;
  esac
  base=https://nodejs.org/dist/latest-v20.x
  sums="$(curl -fsSL "$base/SHASUMS256.txt")"
  tarball="$(awk -v suffix="-linux-$arch.tar.xz" 'substr($2, length($2) - length(suffix) + 1) == suffix { print $2 }' <<<"$sums")"
  tmp="$(mktemp -d)"
  curl -fsSL -o "$tmp/$tarball" "$base/$tarball"
  (cd "$tmp" && grep " $tarball\$" <<<"$sums" | sha256sum -c --quiet -)
  tar -xJf "$tmp/$tarball" -C /usr/local --strip-components=1 --exclude='*.md' --exclude=LICENSE
  rm -rf "$tmp"
fi
node --version
