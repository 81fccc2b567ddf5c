// The EtherTypes and IP protocol numbers the pipeline's flows match, named once.
export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_IPV6 = 0x86dd;
export const IP_PROTO_ICMPV6 = 58;
