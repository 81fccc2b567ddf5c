import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdClientOptions, validateEndpoints } from '../../../controller/store/etcd-options';

const rejected = (message: RegExp) => ({ code: 'INVALID_ARGUMENT', message });

test('etcd endpoints must be http or https URLs, all of one kind', () => {
  assert.throws(() => validateEndpoints([]), rejected(/at least one etcd endpoint/));
  assert.throws(() => validateEndpoints(['127.0.0.1:2379']), rejected(/"127\.0\.0\.1:2379" is not a URL/));
  assert.throws(() => validateEndpoints(['localhost:2379']), rejected(/must start with http:\/\/ or https:\/\//));
  assert.throws(
    () => validateEndpoints(['http://10.0.0.1:2379', 'https://10.0.0.2:2379']),
    rejected(/all http:\/\/ or all https:\/\//),
  );
  validateEndpoints(['https://10.0.0.1:2379', 'https://10.0.0.2:2379']);
});

test('etcd TLS and password options are checked before anything connects', () => {
  const endpoints = ['https://127.0.0.1:2379'];
  assert.throws(
    () => etcdClientOptions({ endpoints, tls: { caFile: '/dev/null', certFile: '/dev/null' } }, 1_000),
    rejected(/needs both --etcd-cert and --etcd-key/),
  );
  assert.throws(
    () => etcdClientOptions({ endpoints, tls: { certFile: '/dev/null', keyFile: '/dev/null' } }, 1_000),
    rejected(/needs --etcd-ca/),
  );
  assert.throws(
    () => etcdClientOptions({ endpoints, tls: { caFile: '/nonexistent/ca.pem' } }, 1_000),
    rejected(/cannot read the etcd TLS CA \/nonexistent\/ca\.pem/),
  );
  assert.throws(() => etcdClientOptions({ endpoints, user: 'ovsnet' }, 1_000), rejected(/"ovsnet" needs a password/));
  const options = etcdClientOptions({ endpoints, user: 'ovsnet', password: 'pw' }, 1_000);
  assert.equal(options.auth?.username, 'ovsnet');
  assert.equal(options.credentials, undefined, 'https without files uses the system CAs');
});
