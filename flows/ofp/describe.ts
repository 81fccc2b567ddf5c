// One-line summaries of whole messages for logs ("what went over the wire"), building on
// the ovs-ofctl-style flow text. Not meant to be parsed back.
import { BundleCtrlType, MULTIPART_REPLY_MORE, OFP13_VERSION, PortReason } from './constants';
import { actionText, flowText, type TextOptions } from './text';
import type { OfpMessage } from './types';

const nameOf = (names: Record<string, number>): Map<number, string> =>
  new Map(Object.entries(names).map(([name, value]) => [value, name]));
const BUNDLE_CTRL = nameOf(BundleCtrlType);
const PORT_REASON = nameOf(PortReason);

export function describeMessage(m: OfpMessage, options: TextOptions = {}): string {
  const head = `${m.type} xid=0x${m.xid.toString(16)}`;
  switch (m.type) {
    case 'hello':
      return `${head} versions=${m.versions.map((v) => `0x${v.toString(16).padStart(2, '0')}`).join(',') || `up to 0x${(m.headerVersion ?? OFP13_VERSION).toString(16)}`}`;
    case 'error':
      return `${head} ${m.name} (${m.data.length} bytes of the refused message)`;
    case 'flow_mod':
      return `${head} ${m.command} ${flowText(m, options)}`;
    case 'packet_in':
      return `${head} table=${m.tableId} reason=${m.reason} cookie=0x${m.cookie.toString(16)} ${m.match.map((f) => `${f.field}=${String(f.value)}`).join(',')} (${m.data.length} bytes)`;
    case 'packet_out':
      return `${head} in_port=${m.inPort} actions=${m.actions.map((a) => actionText(a, options)).join(',') || 'drop'} (${m.data.length} bytes)`;
    case 'port_status':
      return `${head} ${PORT_REASON.get(m.reason)?.toLowerCase() ?? m.reason} port ${m.port.portNo}(${m.port.name}) ${m.port.hwAddr} state=0x${m.port.state.toString(16)}`;
    case 'flow_removed':
      return `${head} table=${m.tableId} priority=${m.priority} cookie=0x${m.cookie.toString(16)} reason=${m.reason} packets=${m.packetCount}`;
    case 'bundle_control':
      return `${head} bundle=${m.bundleId} ${BUNDLE_CTRL.get(m.ctrlType) ?? m.ctrlType} flags=${m.flags}`;
    case 'bundle_add':
      return `${head} bundle=${m.bundleId} [${describeMessage(m.message, options)}]`;
    case 'flow_stats_reply':
      return `${head} ${m.flows.length} flows${m.flags & MULTIPART_REPLY_MORE ? ' (more follow)' : ''}`;
    case 'group_mod':
      return `${head} ${m.command} group=${m.groupId} type=${m.groupType} buckets=${m.buckets.length}`;
    case 'meter_mod':
      return `${head} ${m.command} meter=${m.meterId} bands=${m.bands.map((b) => `${b.type}:${b.rate}`).join(',')}`;
    case 'echo_request':
    case 'echo_reply':
    case 'features_request':
    case 'features_reply':
    case 'get_config_request':
    case 'get_config_reply':
    case 'set_config':
    case 'barrier_request':
    case 'barrier_reply':
    case 'role_request':
    case 'role_reply':
    case 'desc_request':
    case 'desc_reply':
    case 'flow_stats_request':
    case 'aggregate_request':
    case 'aggregate_reply':
    case 'table_stats_request':
    case 'table_stats_reply':
    case 'port_stats_request':
    case 'port_stats_reply':
    case 'port_desc_request':
    case 'port_desc_reply':
    case 'multipart_other':
    case 'unknown':
      return head;
  }
}
