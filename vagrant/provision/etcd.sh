#!/usr/bin/env bash
# The first VM: the cluster store, Debian's etcd, answering on the private network.
# Usage: etcd.sh IP
set -euo pipefail
ip="$1"
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
# Debian's unit reads /etc/default/etcd; only the client URLs change (the member keeps the
# name and peer URL its data directory was created with).
cat >/etc/default/etcd <<CONF
ETCD_LISTEN_CLIENT_URLS=http://${ip}:2379,http://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=http://${ip}:2379
CONF
systemctl enable etcd
systemctl restart etcd
ETCDCTL_API=3 etcdctl --endpoints "http://${ip}:2379" endpoint health
