// arp_responder: ARP requests for an endpoint's address are answered by the switch, so
// they are never flooded (and never cross a tunnel). Everything else goes on to l2_lookup.
import { cookie } from '../cookies';
import { fieldMatch, NETWORK_TAG } from '../registers';
import type { PipelineState } from '../model';
import type { FlowSpec } from '../spec';

export function arpResponderFlows(state: PipelineState): FlowSpec[] {
  const flows: FlowSpec[] = [
    { table: 'arp_responder', priority: 0, cookie: cookie('arp_responder', 0), match: [], actions: [], goto: 'l2_lookup', reason: 'ARP the switch does not answer is forwarded' },
  ];
  for (const ep of state.endpoints) {
    if (!ep.ipv4) continue;
    flows.push({
      table: 'arp_responder', priority: 100, cookie: cookie('arp_responder', ep.ofport),
      match: [fieldMatch(NETWORK_TAG, ep.networkTag), { field: 'eth_type', value: 0x0806 }, { field: 'arp_op', value: 1 }, { field: 'arp_tpa', value: ep.ipv4 }],
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'eth_src', value: ep.mac },
        { type: 'set_field', field: 'arp_op', value: 2 },
        { type: 'move', src: 'arp_sha', srcOfs: 0, dst: 'arp_tha', dstOfs: 0, nBits: 48 },
        { type: 'set_field', field: 'arp_sha', value: ep.mac },
        { type: 'move', src: 'arp_spa', srcOfs: 0, dst: 'arp_tpa', dstOfs: 0, nBits: 32 },
        { type: 'set_field', field: 'arp_spa', value: ep.ipv4 },
        { type: 'output', port: 'in_port' },
      ],
      reason: `answer ARP for ${ep.ipv4} with ${ep.mac}`,
    });
  }
  return flows;
}
