#!/usr/bin/env bash
# Every VM: build ovsnet from the copied checkout, install it as /usr/local/bin/ovsnet and
# run `ovsnet daemon` under systemd (the shipped ovsnet.service), joined to the cluster's
# etcd. Usage: ovsnet.sh SOURCE_DIR ETCD_URL
set -euo pipefail
src="$1"
etcd="$2"

cd "$src"
npm ci --no-audit --no-fund
npm run build --silent
npm install -g --no-audit --no-fund "$src"

install -m 0644 drivers/docker/packaging/ovsnet.service /etc/systemd/system/ovsnet.service
mkdir -p /etc/systemd/system/ovsnet.service.d
cat >/etc/systemd/system/ovsnet.service.d/cluster.conf <<UNIT
# Written by vagrant/provision/ovsnet.sh: this host joins the cluster store on the first VM.
[Service]
ExecStart=
ExecStart=/usr/local/bin/ovsnet daemon --ovsdb unix:/var/run/openvswitch/db.sock --bridge br-int --state-dir /var/lib/ovsnet --plugin-dir /run/docker/plugins --etcd ${etcd}
UNIT
systemctl daemon-reload
systemctl enable ovsnet
systemctl restart ovsnet
# dockerd finds the plugin socket on its next lookup; restart it so it starts after ovsnet.
systemctl restart docker
systemctl --no-pager --lines=5 status ovsnet
