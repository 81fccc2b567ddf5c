// Cookie layout: | 8 bits ovsnet mark | 8 bits feature | 32 bits object | 16 bits reserved |
// so all of ovsnet's flows, one feature's flows, or one object's flows can be found and
// removed by cookie mask.

export const OVSNET_MARK = 0x0en;

export const Feature = {
  classify: 1,
  port_security: 2,
  arp_responder: 3,
  l2: 4,
  policy: 5,
  output: 6,
  base: 7,
  routed_source: 8,
} as const;
export type FeatureName = keyof typeof Feature;

export const MARK_MASK = 0xff00000000000000n;
export const FEATURE_MASK = 0x00ff000000000000n;
export const OBJECT_MASK = 0x0000ffffffff0000n;

export function cookie(feature: FeatureName, object: number): bigint {
  return (OVSNET_MARK << 56n) | (BigInt(Feature[feature]) << 48n) | (BigInt(object >>> 0) << 16n);
}

export function isOvsnetCookie(value: bigint): boolean {
  return (value & MARK_MASK) === OVSNET_MARK << 56n;
}
