// Periodically removes what Docker calls interrupted by an ovsnet crash leave behind:
// endpoints created but never joined (cnm/unjoined-endpoints.ts), then addresses IPAM
// handed out that nothing uses (IpamService.reclaim). What counts as used comes from the
// registry: the addresses of ovsnet endpoints, gateways and aux addresses, per subnet pool.
import type { Clock } from './clock';
import type { Logger } from './log';
import type { Registry } from './cnm/registry';
import { contains, parseAddress, parseCidr, type ParsedCidr } from './cnm/addresses';
import { UnjoinedEndpoints, type ConditionalEndpointDelete } from './cnm/unjoined-endpoints';
import type { EndpointActivity } from './endpoint-activity';
import type { IpamService } from './ipam/service';
import type { ForgottenByDocker } from './docker-forgotten';

export interface LeftoverReclaimerOptions {
  ipam: IpamService;
  registry: Registry;
  /** Deletes an endpoint with its veth while a condition holds (NetworkService.deleteEndpointIf). */
  deleteEndpoint: ConditionalEndpointDelete;
  /** Docker's calls about each endpoint (NetworkService.activity). */
  activity?: EndpointActivity;
  clock: Clock;
  logger: Logger;
  /** How long an unused address or unjoined endpoint is kept before it is removed; must
   * exceed the time Docker takes from RequestAddress to Join, retries included (~30 s). */
  graceMs: number;
  /** With a Docker engine to ask: what it dropped while ovsnet could not hear it (docker-forgotten.ts). */
  forgotten?: ForgottenByDocker;
}

/** Addresses in use, keyed by pool CIDR in the form IPAM stores it. */
export async function addressesInUse(registry: Registry): Promise<Map<string, Set<string>>> {
  const inUse = new Map<string, Set<string>>();
  const pools: Array<{ cidr: ParsedCidr; used: Set<string> }> = [];
  for (const network of await registry.networks.list()) {
    for (const subnet of [...network.ipv4, ...network.ipv6]) {
      const cidr = parseCidr(subnet.pool);
      const used = new Set<string>();
      if (subnet.gateway !== undefined) used.add(parseAddress(subnet.gateway).address);
      for (const aux of Object.values(subnet.auxAddresses ?? {})) used.add(parseAddress(aux).address);
      inUse.set(`${cidr.network}/${cidr.prefix}`, used);
      pools.push({ cidr, used });
    }
  }
  // Subnets of ovsnet networks never overlap, so an address belongs to at most one pool.
  for (const endpoint of await registry.endpoints.list()) {
    for (const text of [endpoint.ipv4, endpoint.ipv6]) {
      if (text === undefined) continue;
      const address = parseAddress(text.split('/')[0] as string);
      pools.find((p) => p.cidr.family === address.family && contains(p.cidr, address.value))?.used.add(address.address);
    }
  }
  return inUse;
}

export function startLeftoverReclaimer(options: LeftoverReclaimerOptions): { stop(): void } {
  const { clock, logger } = options;
  const unjoined = new UnjoinedEndpoints(options.registry, options.deleteEndpoint, clock, options.activity);
  let timer: unknown;
  let stopped = false;
  const period = Math.max(1000, Math.floor(options.graceMs / 2));
  const tick = async (): Promise<void> => {
    try {
      // First, so that what a forgotten endpoint held counts as unused below.
      const forgotten = await options.forgotten?.sweep(options.graceMs);
      if (forgotten && forgotten.endpoints.length > 0)
        logger.info(
          { endpoints: forgotten.endpoints },
          'deleted endpoints Docker removed while ovsnet was unavailable',
        );
      if (forgotten && forgotten.networks.length > 0)
        logger.info({ networks: forgotten.networks }, 'deleted networks Docker removed while ovsnet was unavailable');
    } catch (error) {
      // Docker not answering is common (stopped, restarting): nothing is judged then.
      logger.debug({ err: error }, 'could not ask Docker what it still has; trying again later');
    }
    try {
      const endpoints = await unjoined.sweep(options.graceMs);
      if (endpoints.length > 0) logger.info({ endpoints }, 'deleted endpoints Docker created but never joined');
      const reclaimed = await options.ipam.reclaim(await addressesInUse(options.registry), options.graceMs);
      if (reclaimed.length > 0)
        logger.info({ addresses: reclaimed }, 'released addresses Docker requested but never used');
    } catch (error) {
      logger.warn({ err: error }, 'could not check for leftover endpoints and addresses; trying again later');
    }
    if (!stopped) timer = clock.setTimeout(() => void tick(), period);
  };
  timer = clock.setTimeout(() => void tick(), period);
  return {
    stop: () => {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
