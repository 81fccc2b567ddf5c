// Netmasks for prefix lengths, in the text form the codec takes.
export function prefixMask(prefix: number, v6: boolean): string {
  if (!v6)
    return [0, 1, 2, 3]
      .map((i) => Math.max(0, Math.min(8, prefix - i * 8)))
      .map((b) => (0xff << (8 - b)) & 0xff)
      .join('.');
  return Array.from({ length: 8 }, (_, i) => Math.max(0, Math.min(16, prefix - i * 16)))
    .map((b) => ((0xffff << (16 - b)) & 0xffff).toString(16))
    .join(':');
}
