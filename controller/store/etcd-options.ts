// What an operator gives to reach the cluster store, and how that becomes an etcd3 client
// configuration: TLS files, user/password, and fault handling that never applies a write twice.
import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, noop } from 'cockatiel';
import { isRecoverableError, type IOptions } from 'etcd3';
import { invalid } from '../errors';

export interface EtcdStoreOptions {
  /** Client URLs, http:// or https://, of one or more members. */
  endpoints: string[];
  /** Root of every key in etcd (default `/ovsnet`). */
  prefix?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  user?: string;
  password?: string;
  /** Longest any one call may take, retries included, before it fails as unreachable (ms). */
  timeoutMs?: number;
}

export const DEFAULT_ETCD_PREFIX = '/ovsnet';
// A request that needs etcd fails within this (its store calls share it: request-scope.ts),
// and a `docker run` or `ovsnet attach` around it must fail within 10 s. 8 s left 2 s for
// the rest, and on a loaded machine (the lab beside the other test tiers on 2 CPUs) the CLI
// and the attach around the call took 2.4 s. A shorter bound fails a slow etcd as if it
// were gone: in bench:multihost's overloaded lab (3 hosts, etcd and probes on 2 CPUs, join
// p99 5-7 s) some transactions took 6-7 s, and 300 joins had 10 failures at 6 s, one at 7 s
// and one at 8 s. 7 s leaves 3 s for the rest.
export const DEFAULT_ETCD_TIMEOUT_MS = 7_000;

export function validateEndpoints(endpoints: readonly string[]): void {
  if (endpoints.length === 0) throw invalid('the cluster store needs at least one etcd endpoint');
  const schemes = new Set<string>();
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid(`etcd endpoint "${endpoint}" is not a URL (expected http://HOST:PORT or https://HOST:PORT)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalid(`etcd endpoint "${endpoint}" must start with http:// or https://`);
    schemes.add(url.protocol);
  }
  // The client uses one set of credentials for every member.
  if (schemes.size > 1) throw invalid('etcd endpoints must be all http:// or all https://');
}

export function etcdClientOptions(options: EtcdStoreOptions, timeoutMs: number): IOptions {
  validateEndpoints(options.endpoints);
  const client: IOptions = {
    hosts: options.endpoints,
    grpcOptions: {
      // Listings of a large cluster outgrow gRPC's 4 MiB default.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      // A member that vanished without closing its connections (power loss, a cut link) is
      // noticed on long-lived watch and keep-alive streams; etcd accepts pings every 5 s.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
    faultHandling: {
      // The store decides about retries itself: a transaction may be retried only when it
      // provably never left, or a compare-and-swap would fail against its own first write.
      global: noop,
      // A member that failed three times in a row is skipped for a second, then tried again,
      // so calls go to the healthy members and a restarted one is used again quickly.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
      // Watches come back within two seconds of etcd returning. (The client asks this first
      // step for its successors, so the first step is what it wants, not the factory.)
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
    },
  };
  const tls = options.tls;
  if (tls?.caFile !== undefined || tls?.certFile !== undefined || tls?.keyFile !== undefined) {
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
      throw invalid('an etcd client certificate needs both --etcd-cert and --etcd-key');
    if (tls.caFile === undefined) throw invalid('etcd TLS needs --etcd-ca, the CA that signed the etcd certificates');
    client.credentials = {
      rootCertificate: readTlsFile(tls.caFile, 'CA'),
      ...(tls.certFile !== undefined ? { certChain: readTlsFile(tls.certFile, 'certificate') } : {}),
      ...(tls.keyFile !== undefined ? { privateKey: readTlsFile(tls.keyFile, 'key') } : {}),
    };
  }
  if (options.user !== undefined) {
    if (options.password === undefined) throw invalid(`etcd user "${options.user}" needs a password`);
    client.auth = {
      username: options.user,
      password: options.password,
      // The token exchange is part of the first call and must not outlast its bound.
      callOptions: () => ({ deadline: Date.now() + timeoutMs }),
    };
  }
  return client;
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw invalid(`cannot read the etcd TLS ${what} ${path}: ${(error as Error).message}`);
  }
}
