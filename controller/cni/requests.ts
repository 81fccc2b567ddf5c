// The CNI requests as they arrive on the control socket, checked field by field (the
// plugin validated the configuration already; this keeps the daemon safe from any client).
import { existsSync } from 'node:fs';
import { invalid, notFound } from '../errors';
import type { Untrusted } from '../control/contract';
import type { CniAddRequest, CniAttachment, CniCheckRequest, CniDelRequest, CniNetworkRequest } from './types';

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IFNAME = /^[^\s/:]{1,15}$/;

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${what} must be a non-empty string`);
  return value;
}

function attachment(p: Untrusted<CniAttachment>): CniAttachment {
  const network = p.network as CniNetworkRequest | undefined;
  if (typeof network !== 'object' || network === null) throw invalid('network must be an object');
  text(network.name, 'network.name');
  if (!Array.isArray(network.subnets)) throw invalid('network.subnets must be a list');
  const containerId = text(p.containerId, 'CNI_CONTAINERID');
  if (!CONTAINER_ID.test(containerId))
    throw invalid(`CNI_CONTAINERID "${containerId}" must be letters, digits, '_', '.' or '-'`);
  const ifname = text(p.ifname, 'CNI_IFNAME');
  if (!IFNAME.test(ifname) || ifname === '.' || ifname === '..')
    throw invalid(`CNI_IFNAME "${ifname}" is not a valid interface name`);
  return { network, containerId, ifname };
}

function existingNetns(value: unknown): string {
  const netns = text(value, 'CNI_NETNS');
  if (!netns.startsWith('/')) throw invalid(`CNI_NETNS "${netns}" must be an absolute path`);
  if (!existsSync(netns)) throw notFound(`the network namespace ${netns} (CNI_NETNS) does not exist`);
  return netns;
}

function strings(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalid(`${what} must be a list of strings`);
  return value as string[];
}

export function checkAdd(p: Untrusted<CniAddRequest>): CniAddRequest {
  const requestedIps = strings(p.requestedIps, 'requestedIps');
  return {
    ...attachment(p),
    netns: existingNetns(p.netns),
    ...(Array.isArray(p.ips) ? { ips: p.ips as CniAddRequest['ips'] & object } : {}),
    ...(Array.isArray(p.routes) ? { routes: p.routes as CniAddRequest['routes'] & object } : {}),
    ...(requestedIps ? { requestedIps } : {}),
    ...(typeof p.mac === 'string' && p.mac !== '' ? { mac: p.mac } : {}),
    ...(typeof p.containerName === 'string' && p.containerName !== '' ? { containerName: p.containerName } : {}),
  };
}

export function checkDel(p: Untrusted<CniDelRequest>): CniDelRequest {
  return { ...attachment(p), ...(typeof p.netns === 'string' && p.netns !== '' ? { netns: p.netns } : {}) };
}

export function checkCheck(p: Untrusted<CniCheckRequest>): CniCheckRequest {
  return { ...attachment(p), netns: existingNetns(p.netns) };
}
