// The libnetwork remote driver and remote IPAM wire shapes, with Docker's field names
// (moby daemon/libnetwork/drivers/remote/api and ipams/remote/api). Requests are what
// Docker sends; the validators in requests.ts turn them into the controller's types.
// Responses are what we send back. Network driver answers carry errors in "Err", IPAM
// answers in "Error".

export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

/** Option keys Docker sets itself (moby libnetwork/netlabel). */
export const DockerKeys = {
  generic: 'com.docker.network.generic',
  enableIpv4: 'com.docker.network.enable_ipv4',
  enableIpv6: 'com.docker.network.enable_ipv6',
  internal: 'com.docker.network.internal',
  mtu: 'com.docker.network.driver.mtu',
  bridgeIcc: 'com.docker.network.bridge.enable_icc',
  portMap: 'com.docker.network.portmap',
  exposedPorts: 'com.docker.network.endpoint.exposedports',
  endpointName: 'com.docker.network.endpoint.name',
  requestAddressType: 'RequestAddressType',
  gatewayAddressType: 'com.docker.network.gateway',
} as const;

// ---- requests (as Docker sends them; every field may be missing or null in practice)

export interface IpamDataWire {
  AddressSpace?: string;
  Pool?: string; // CIDR
  Gateway?: string; // CIDR: gateway address + pool prefix
  AuxAddresses?: Record<string, string> | null; // name -> CIDR
}

export interface CreateNetworkRequest {
  NetworkID: string;
  Options: Record<string, unknown> | null;
  IPv4Data: IpamDataWire[] | null;
  IPv6Data: IpamDataWire[] | null;
}

export interface EndpointInterfaceWire {
  Address: string; // CIDR or ""
  AddressIPv6: string; // CIDR or ""
  MacAddress: string; // "" when Docker leaves the choice to us
}

export interface CreateEndpointRequest {
  NetworkID: string;
  EndpointID: string;
  Interface: EndpointInterfaceWire | null;
  Options: Record<string, unknown> | null;
}

export interface JoinRequest {
  NetworkID: string;
  EndpointID: string;
  SandboxKey: string;
  Options: Record<string, unknown> | null;
}

/** One com.docker.network.portmap entry (moby libnetwork/types.PortBinding). */
export interface PortBindingWire {
  Proto: number; // IANA protocol number: 6 tcp, 17 udp, 132 sctp
  IP: string;
  Port: number;
  HostIP: string;
  HostPort: number;
  HostPortEnd: number;
}

export interface RequestPoolRequest {
  AddressSpace: string;
  Pool: string;
  SubPool: string;
  Options: Record<string, string> | null;
  V6: boolean;
}

export interface RequestAddressRequest {
  PoolID: string;
  Address: string;
  Options: Record<string, string> | null;
}

// ---- responses

export interface ActivateResponse {
  Implements: string[];
}

export interface NetworkCapabilitiesResponse {
  Scope: 'local' | 'global';
  ConnectivityScope: 'local' | 'global';
}

export interface CreateEndpointResponse {
  /** Only the fields Docker left empty; Docker refuses to overwrite ones it set. */
  Interface?: Partial<EndpointInterfaceWire>;
}

export interface EndpointOperInfoResponse {
  Value: Record<string, string>;
}

export interface JoinResponse {
  InterfaceName: { SrcName: string; DstPrefix: string };
  Gateway?: string; // plain IP
  GatewayIPv6?: string; // plain IP
}

export interface AllocateNetworkResponse {
  Options: Record<string, string>;
}

export interface IpamCapabilitiesResponse {
  RequiresMACAddress: boolean;
  RequiresRequestReplay: boolean;
}

export interface AddressSpacesResponse {
  LocalDefaultAddressSpace: string;
  GlobalDefaultAddressSpace: string;
}

export interface RequestPoolResponse {
  PoolID: string;
  Pool: string;
  Data: Record<string, string>;
}

export interface RequestAddressResponse {
  Address: string; // CIDR
  Data: Record<string, string>;
}
