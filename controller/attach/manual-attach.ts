// `ovsnet attach`: ovs-docker's add-port / del-port / del-ports / set-vlan done directly
// against OVSDB and iproute2, or handed to the ovsnet daemon when it owns the bridge (its
// bridge is fail_mode=secure: a port it does not know would get no flows at all).
import { existsSync } from 'node:fs';
import { OvsdbClient } from '../../ovsdb/client';
import { Vswitch } from '../../ovsdb/vswitch/vswitch';
import type { VswitchView } from '../../ovsdb/vswitch/view';
import { callControl } from '../control/client';
import type { ControlMethodName, ControlParams, ControlResult } from '../control/contract';
import { ControllerError, invalid, notFound } from '../errors';
import {
  ADDRESS_KEY,
  CONTROL_SOCKET_KEY,
  CONTAINER_ID_KEY,
  CONTAINER_IFACE_KEY,
  checkBridgeName,
  checkContainerRef,
  checkIfname,
  checkVlan,
  validateAddPort,
  type AddPortRequest,
} from './request';
import { knownTarget, runningTarget, type AttachTarget } from './target';
import { attachedPorts, type AttachedPort } from './attached-ports';
import { OWNER_KEY } from '../reconcile/desired-ports';
import { resolveDatapath } from '../ovs/datapath';
import { createSandboxVeth, deleteHostLink, newHostIfname } from './host-port';

export interface AttachOptions {
  /** OVSDB remote; default as ovs-vsctl: unix:$OVS_RUNDIR/db.sock, else /var/run/openvswitch/db.sock. */
  db?: string;
  env?: NodeJS.ProcessEnv;
  /** ovs-docker creates a missing bridge; `ovsnet attach` refuses unless asked to. */
  createBridge?: boolean;
  timeoutMs?: number;
  /**
   * When the command began (epoch ms): a daemon asked to do the work counts its bound on
   * the cluster store from then, so an outage fails the whole command within that bound.
   */
  startedAt?: number;
}

export function defaultOvsdbRemote(env: NodeJS.ProcessEnv = process.env): string {
  const rundir = env['OVS_RUNDIR'];
  return `unix:${rundir !== undefined && rundir !== '' ? rundir : '/var/run/openvswitch'}/db.sock`;
}

async function openVswitch(options: AttachOptions): Promise<Vswitch> {
  const remote = options.db ?? defaultOvsdbRemote(options.env);
  if (!/^(unix:.+|tcp:.+:\d+)$/.test(remote)) throw invalid(`--db must be unix:PATH or tcp:HOST:PORT, not "${remote}"`);
  if (remote.startsWith('unix:') && !existsSync(remote.slice(5))) {
    throw new ControllerError(
      'UNAVAILABLE',
      `no OVSDB server at ${remote} (is Open vSwitch running? use --db to point elsewhere)`,
    );
  }
  let client: OvsdbClient;
  try {
    client = await OvsdbClient.connect(remote, { connectTimeoutMs: 5000 });
  } catch (error) {
    throw new ControllerError('UNAVAILABLE', `cannot reach OVSDB at ${remote}: ${(error as Error).message}`);
  }
  try {
    return await Vswitch.open(client);
  } catch (error) {
    client.close();
    throw error;
  }
}

async function withVswitch<T>(
  options: AttachOptions,
  work: (vswitch: Vswitch) => Promise<T>,
  alongside?: Promise<unknown>,
): Promise<T> {
  let vswitch: Vswitch;
  try {
    vswitch = await openVswitch(options);
  } catch (error) {
    // Whatever ran alongside the connection is settled before anything is reported.
    await alongside?.catch(() => undefined);
    throw error;
  }
  try {
    return await work(vswitch);
  } finally {
    vswitch.client.close();
  }
}

function requireBridge(view: VswitchView, bridge: string): { controlSocket?: string; datapathType: string } {
  const row = view.bridge(bridge);
  if (!row) throw notFound(`bridge ${bridge} does not exist (create it with 'ovs-vsctl add-br ${bridge}')`);
  const controlSocket = row.external_ids[CONTROL_SOCKET_KEY];
  return {
    ...(controlSocket !== undefined ? { controlSocket } : {}),
    datapathType: row.datapath_type,
  };
}

/** A daemon-owned bridge must be handled by that daemon; say so if it is not answering. */
async function callDaemon<M extends ControlMethodName>(
  controlSocket: string,
  bridge: string,
  method: M,
  params: ControlParams<M>,
  timeoutMs: number,
  startedAt: number | undefined,
): Promise<ControlResult<M>> {
  if (!existsSync(controlSocket)) {
    throw new ControllerError(
      'UNAVAILABLE',
      `bridge ${bridge} is managed by the ovsnet daemon, which is not running (no ${controlSocket}); start it first`,
    );
  }
  return callControl(controlSocket, method, params, timeoutMs, startedAt);
}

export async function addPort(input: AddPortRequest, options: AttachOptions = {}): Promise<{ port: string }> {
  const request = validateAddPort(input);
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Docker and OVSDB are asked at the same time: each round trip is a good part of a command.
  const resolving = runningTarget(request.container, {
    ...(request.netns !== undefined ? { netns: request.netns } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  return withVswitch(
    options,
    async (vswitch) => {
      if (!vswitch.view.bridge(request.bridge) && options.createBridge)
        await vswitch.ensureBridge({ name: request.bridge, datapathType: resolveDatapath('auto') });
      const bridge = requireBridge(vswitch.view, request.bridge);
      const target = await resolving;
      // On the daemon's bridge, its own ports are the daemon's to judge, from its store: one
      // left by an attach whose answer was lost is removed there and the attach goes on.
      const already = attachedPorts(vswitch.view, target, { ifname: request.ifname }).filter(
        (p) => bridge.controlSocket === undefined || p.externalIds[OWNER_KEY] === undefined,
      );
      if (already.length > 0) {
        const found = already[0] as (typeof already)[0];
        throw new ControllerError(
          'ALREADY_EXISTS',
          `container ${request.container} already has ${request.ifname} attached (port ${found.port} on bridge ${found.bridge ?? '?'})`,
        );
      }
      if (bridge.controlSocket !== undefined) {
        if (request.vlan !== undefined)
          throw invalid(
            `--vlan does not apply on ${request.bridge}: ovsnet's networks isolate its ports (use --network)`,
          );
        return callDaemon(
          bridge.controlSocket,
          request.bridge,
          'attach.add',
          { ...request, target },
          timeoutMs,
          options.startedAt,
        );
      }
      if (request.address !== undefined) checkAddressFree(vswitch.view, request.bridge, request.address);
      const host = newHostIfname();
      await createSandboxVeth(
        host,
        {
          nsPath: target.nsPath,
          ifname: request.ifname,
          ...(request.mtu !== undefined ? { mtu: request.mtu } : {}),
          ...(request.mac !== undefined ? { mac: request.mac } : {}),
          ...(request.address !== undefined ? { address: request.address } : {}),
          ...(request.gateway !== undefined ? { gateway: request.gateway } : {}),
        },
        bridge.datapathType === 'netdev',
      );
      try {
        await vswitch.addPorts([
          {
            bridge: request.bridge,
            name: host,
            externalIds: {
              [CONTAINER_ID_KEY]: request.container,
              [CONTAINER_IFACE_KEY]: request.ifname,
              ...(request.address !== undefined ? { [ADDRESS_KEY]: request.address } : {}),
            },
            ...(request.vlan !== undefined ? { tag: request.vlan } : {}),
          },
        ]);
        await vswitch.waits.waitRealised([host], timeoutMs);
      } catch (error) {
        await vswitch.removePorts([host]).catch(() => undefined);
        await deleteHostLink(host);
        throw error;
      }
      return { port: host };
    },
    resolving,
  );
}

function checkAddressFree(view: VswitchView, bridge: string, address: string): void {
  const host = address.split('/')[0];
  for (const port of view.ports(bridge)) {
    const holder = port.interfaces[0]?.externalIds;
    if (holder && holder[ADDRESS_KEY]?.split('/')[0] === host) {
      throw new ControllerError(
        'ALREADY_EXISTS',
        `address ${host} is already used on bridge ${bridge} by ${holder[CONTAINER_ID_KEY] ?? '?'} ${holder[CONTAINER_IFACE_KEY] ?? ''} (port ${port.name})`,
      );
    }
  }
}

/** Removes the named interface of the container (ovs-docker del-port). */
export async function delPort(
  bridgeName: string,
  ifname: string,
  container: string,
  options: AttachOptions = {},
): Promise<{ removed: string[] }> {
  checkBridgeName(bridgeName);
  checkIfname(ifname);
  checkContainerRef(container);
  return removeAttached(bridgeName, container, ifname, options);
}

/** Removes every interface of the container on the bridge (ovs-docker del-ports); none is fine. */
export async function delPorts(
  bridgeName: string,
  container: string,
  options: AttachOptions = {},
): Promise<{ removed: string[] }> {
  checkBridgeName(bridgeName);
  checkContainerRef(container);
  return removeAttached(bridgeName, container, undefined, options);
}

async function removeAttached(
  bridgeName: string,
  container: string,
  ifname: string | undefined,
  options: AttachOptions,
): Promise<{ removed: string[] }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return withVswitch(options, async (vswitch) => {
    const bridge = requireBridge(vswitch.view, bridgeName);
    const filter = { bridge: bridgeName, ...(ifname !== undefined ? { ifname } : {}) };
    const { target, found } = await findAttached(vswitch.view, container, filter, options);
    if (bridge.controlSocket !== undefined) {
      return callDaemon(
        bridge.controlSocket,
        bridgeName,
        'attach.remove',
        { target, ...(ifname !== undefined ? { ifname } : {}) },
        timeoutMs,
        options.startedAt,
      );
    }
    const ports = found.map((p) => p.port);
    if (ports.length === 0 && ifname !== undefined) throw missing(bridgeName, target, ifname);
    if (ports.length === 0) return { removed: [] };
    // The OVS row and the veth go at the same time; each alone is a kernel or vswitchd round.
    await Promise.all([
      vswitch.transactApplied(vswitch.ops.removePorts(ports), timeoutMs),
      ...ports.map((port) => deleteHostLink(port)),
    ]);
    return { removed: ports };
  });
}

/** Makes the container's interface an access port of the VLAN (ovs-docker set-vlan). */
export async function setVlan(
  bridgeName: string,
  ifname: string,
  container: string,
  vlan: number,
  options: AttachOptions = {},
): Promise<{ port: string }> {
  checkBridgeName(bridgeName);
  checkIfname(ifname);
  checkContainerRef(container);
  checkVlan(vlan);
  return withVswitch(options, async (vswitch) => {
    const bridge = requireBridge(vswitch.view, bridgeName);
    if (bridge.controlSocket !== undefined)
      throw invalid(`set-vlan does not apply on ${bridgeName}: ovsnet's networks isolate its ports`);
    const { target, found: all } = await findAttached(vswitch.view, container, { bridge: bridgeName, ifname }, options);
    const found = all[0];
    if (!found) throw missing(bridgeName, target, ifname);
    await vswitch.setPortTag(found.port, vlan, options.timeoutMs ?? 30_000);
    return { port: found.port };
  });
}

/**
 * Ports labelled with the container as typed are found without asking Docker (the common
 * case, and it works for containers that are gone); otherwise Docker supplies the other
 * names the container goes by.
 */
async function findAttached(
  view: VswitchView,
  container: string,
  filter: { bridge: string; ifname?: string },
  options: AttachOptions,
): Promise<{ target: AttachTarget; found: AttachedPort[] }> {
  const typed: AttachTarget = { given: container, aliases: [container] };
  const direct = attachedPorts(view, typed, filter);
  if (direct.length > 0) return { target: typed, found: direct };
  const target = await knownTarget(container, options.env ? { env: options.env } : {});
  return { target, found: attachedPorts(view, target, filter) };
}

function missing(bridge: string, target: AttachTarget, ifname: string): ControllerError {
  return notFound(`no port on bridge ${bridge} is attached for CONTAINER=${target.given} and INTERFACE=${ifname}`);
}
