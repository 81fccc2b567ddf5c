#!/usr/bin/env node
// An `ovs-docker` command backed by ovsnet, so scripts written for Open vSwitch's
// ovs-docker run unchanged. Like ovs-docker, add-port creates a missing bridge.
import { runAttach } from './attach';
import { reportAndExit } from './exit';

runAttach(process.argv.slice(2), 'ovs-docker', { createBridge: true }).then(
  (code) => process.exit(code),
  reportAndExit('ovs-docker'),
);
