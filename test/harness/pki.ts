// Throw-away certificates made with the openssl CLI: a CA, a server certificate and a
// client certificate signed by it, and a second CA with a client certificate of its own,
// for a client the server must refuse.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from '../../controller/host/exec';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestPki {
  ca: string;
  server: KeyPair;
  client: KeyPair;
  /** Signed by another CA that the server does not trust. */
  strangerCa: string;
  stranger: KeyPair;
}

async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const pair = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '2',
    '-subj',
    `/CN=ovsnet test ${name}`,
  ]);
  return pair;
}

async function makeLeaf(dir: string, name: string, ca: KeyPair): Promise<KeyPair> {
  const pair = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await runOk('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pair.key,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  await runOk('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    pair.cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return pair;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const ca = await makeCa(dir, 'ca');
  const other = await makeCa(dir, 'stranger-ca');
  return {
    ca: ca.cert,
    server: await makeLeaf(dir, 'server', ca),
    client: await makeLeaf(dir, 'client', ca),
    strangerCa: other.cert,
    stranger: await makeLeaf(dir, 'stranger', other),
  };
}
