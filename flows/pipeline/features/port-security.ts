// port_security: an endpoint may only send from its own MAC and IP, claim only its own
// address in ARP and neighbour advertisements, and never act as a router or DHCP server
// (the checks themselves: source-guard.ts).
import { cookie, endpointObject, TABLE_WIDE } from '../cookies';
import type { PipelineEndpoint, PipelineState } from '../model';
import type { FlowSpec } from '../spec';
import { goTo, guardSenderFlows, guardTableFlows } from './source-guard';

export function portSecurityFlows(_state: PipelineState): FlowSpec[] {
  return guardTableFlows('port_security', cookie('port_security', TABLE_WIDE), {
    senders: 'containers',
    owner: 'the port',
  });
}

export function portSecurityEndpointFlows(ep: PipelineEndpoint): FlowSpec[] {
  return guardSenderFlows(
    'port_security',
    cookie('port_security', endpointObject(ep.ofport)),
    {
      mac: ep.mac,
      ...(ep.ipv4 !== undefined ? { ipv4: ep.ipv4 } : {}),
      ...(ep.ipv6 !== undefined ? { ipv6: ep.ipv6 } : {}),
      identity: [{ field: 'in_port', value: ep.ofport }],
      where: `on port ${ep.ofport}`,
    },
    { plain: goTo('l2_lookup'), neighbour: goTo('arp_responder') },
  );
}
