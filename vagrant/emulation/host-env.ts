// What `lab exec HOST -- CMD` gives CMD: the host's network namespace and hostname, and an
// environment in which docker, ovs-vsctl/ovs-ofctl/ovs-appctl, etcdctl and ovsnet all talk
// to that host's own daemons without any option.
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerClient, dockerEnv } from './dockerd';
import { etcdctlEnv } from './etcd';
import { OVSNET_CLI, cliNodeFlags } from './ovsnet-daemon';
import type { HostPlan, LabPlan } from './plan';
import { inNetns } from './run';
import { withHostname } from './uts';

export function hostEnv(plan: LabPlan, host: HostPlan, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    OVS_RUNDIR: host.ovsDir,
    OVS_LOGDIR: host.ovsDir,
    OVS_DBDIR: host.ovsDir,
    ...dockerEnv(host),
    ...etcdctlEnv(plan),
    OVSNET_STATE_DIR: host.stateDir,
    OVSNET_LAB_HOST: host.name,
    OVSNET_LAB_TUNNEL: plan.tunnel,
    OVSNET_LAB_TUNNEL_IP: host.underlayIp,
    PATH: `${plan.binDir}:${base['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`,
  };
}

/** argv that runs `command` inside the host (its namespace and hostname). */
export function hostArgv(host: HostPlan, command: readonly string[]): string[] {
  return inNetns(host.netns, withHostname(host.name, command));
}

/**
 * `ovsnet` inside a lab host: commands that talk to the daemon get this host's state
 * directory unless the caller names one (or a control socket) itself.
 */
function ovsnetWrapper(): string {
  return [
    '#!/bin/sh',
    '# ovsnet inside a lab host (written by `vagrant/lab up`): commands that talk to a running',
    "# daemon default to this host's state directory, $OVSNET_STATE_DIR.",
    'case "$1" in',
    '  attach | daemon | up | help | version | --help | -h | --version | -V | "") ;;',
    '  *)',
    '    case " $* " in',
    '      *" --state-dir"* | *" --control"*) ;;',
    '      *) [ -n "$OVSNET_STATE_DIR" ] && set -- "$@" --state-dir "$OVSNET_STATE_DIR" ;;',
    '    esac',
    '    ;;',
    'esac',
    `exec '${process.execPath}' ${cliNodeFlags().join(' ')} '${OVSNET_CLI}' "$@"`,
    '',
  ].join('\n');
}

export function writeBinDir(plan: LabPlan): void {
  mkdirSync(plan.binDir, { recursive: true });
  const ovsnet = join(plan.binDir, 'ovsnet');
  writeFileSync(ovsnet, ovsnetWrapper());
  chmodSync(ovsnet, 0o755);
  const docker = join(plan.binDir, 'docker');
  if (plan.docker && dockerClient().startsWith('/') && !existsSync(docker)) symlinkSync(dockerClient(), docker);
}
