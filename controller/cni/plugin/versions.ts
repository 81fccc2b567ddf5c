// The CNI spec versions ovsnet answers, each in its own result format (results.ts).
import { CniCode, CniError } from './errors';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

export function checkVersion(value: unknown, where = 'cniVersion'): CniVersion {
  if (typeof value !== 'string' || value === '')
    throw new CniError(CniCode.INVALID_CONFIG, `"${where}" is missing: the configuration must say its CNI version`);
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(value))
    throw new CniError(
      CniCode.INCOMPATIBLE_VERSION,
      `CNI version ${value} is not supported`,
      `ovsnet supports ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  return value as CniVersion;
}

/** CHECK exists from spec 0.4.0 on. */
export function allowsCheck(version: CniVersion): boolean {
  return version === '0.4.0' || version === '1.0.0';
}

/** Results before 1.0.0 carry a "version" per IP address. */
export function ipsCarryVersion(version: CniVersion): boolean {
  return version !== '1.0.0';
}
