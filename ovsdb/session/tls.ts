// TLS material for ssl: remotes. Each of key, cert and ca is a file path or the PEM text
// itself. Files are read again on every connection attempt, so certificates rotated on disk
// (ovs-pki, cert-manager) are picked up at the next reconnect without restarting anything.
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { OvsdbError } from '../protocol/errors';

export interface TlsOptions {
  /** Our private key: a path or PEM. */
  key: string | Buffer;
  /** Our certificate, presented to the server: a path or PEM. */
  cert: string | Buffer;
  /** The CA certificate(s) the server's certificate must be signed by: a path or PEM. */
  ca: string | Buffer;
  /**
   * Also require the server's certificate to name the host we dialled. Off by default
   * because OVS peers authenticate by CA alone: ovs-pki certificates name no host, and
   * ovs-vsctl and ovs-vswitchd do not check one.
   */
  verifyServerName?: boolean;
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

function load(what: string, value: string | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value.includes('-----BEGIN ')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    throw new OvsdbError('TLS_CONFIG', `cannot read the TLS ${what} "${value}": ${(error as Error).message}`);
  }
}

/** Reads and checks the material: unreadable files, bad PEM or a key that does not fit the certificate are TLS_CONFIG errors. */
export function loadTlsMaterial(options: TlsOptions): TlsMaterial {
  const material = {
    key: load('private key', options.key),
    cert: load('certificate', options.cert),
    ca: load('CA certificate', options.ca),
  };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new OvsdbError(
      'TLS_CONFIG',
      `the TLS key, certificate or CA certificate is unusable: ${(error as Error).message}`,
    );
  }
  return material;
}

export function tlsConnectOptions(host: string, port: number, options: TlsOptions): ConnectionOptions {
  const material = loadTlsMaterial(options);
  return {
    host,
    port,
    ...material,
    // SNI must not carry an IP address (RFC 6066 section 3).
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(options.verifyServerName ? {} : { checkServerIdentity: () => undefined }),
  };
}
