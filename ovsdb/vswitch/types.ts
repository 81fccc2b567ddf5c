// Shapes the Open_vSwitch helpers accept and return (plain data, not wire notation).

export interface BridgeSpec {
  name: string;
  /** 'system' (kernel) or 'netdev' (userspace). */
  datapathType?: string;
  /** 'secure' drops everything the controller did not allow; 'standalone' falls back to NORMAL. */
  failMode?: 'secure' | 'standalone';
  /** OpenFlow versions, e.g. ['OpenFlow13']. */
  protocols?: string[];
  /** True: the bridge has no controller (whoever owns its flows talks to its management socket). */
  noController?: boolean;
  otherConfig?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export interface PortSpec {
  bridge: string;
  name: string;
  /** Interface type: '' (system device, e.g. a veth), 'internal', 'vxlan', 'gre', ... */
  type?: string;
  options?: Record<string, string>;
  ofportRequest?: number;
  /** external_ids on the Interface row (ovs-docker keeps container_id there). */
  externalIds?: Record<string, string>;
  /** external_ids on the Port row. */
  portExternalIds?: Record<string, string>;
  mtuRequest?: number;
  /** Interface.mac: the MAC an internal port takes. */
  mac?: string;
  /** Access VLAN tag (Port.tag). */
  tag?: number;
}

export interface InterfaceInfo {
  name: string;
  type: string;
  /** -1 when OVS failed to open it, undefined while not yet realised. */
  ofport?: number;
  error?: string;
  /** The replica's own record, shared, not copied: read it, never change it. */
  externalIds: Readonly<Record<string, string>>;
  options: Readonly<Record<string, string>>;
  ofportRequest?: number;
}

export interface PortInfo {
  name: string;
  bridge?: string;
  tag?: number;
  externalIds: Readonly<Record<string, string>>;
  interfaces: InterfaceInfo[];
}
