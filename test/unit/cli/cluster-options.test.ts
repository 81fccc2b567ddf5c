// The cluster options of `ovsnet daemon` and `ovsnet up`, as parsed before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../../drivers/cli/args';
import { clusterConfig } from '../../../drivers/cli/cluster-options';

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  clusterConfig(parseArgs(['daemon', ...args]).options, env);

test('without --etcd there is no cluster, and cluster options alone are refused', () => {
  assert.equal(parse([]), undefined);
  assert.throws(() => parse(['--host-id', 'h1']), /--host-id needs --etcd/);
  assert.throws(() => parse(['--tunnel-ip', '192.0.2.1']), /--tunnel-ip needs --etcd/);
});

test('every cluster option reaches the configuration; the password may come from the environment', () => {
  assert.deepEqual(
    parse(
      [
        '--etcd',
        'https://10.0.0.1:2379, https://10.0.0.2:2379',
        '--etcd-prefix',
        '/lab',
        '--etcd-ca',
        '/ca.pem',
        '--etcd-cert',
        '/c.pem',
        '--etcd-key',
        '/k.pem',
        '--etcd-user',
        'ovsnet',
        '--etcd-timeout',
        '2.5',
        '--host-id',
        'node-7',
        '--host-ttl',
        '30',
        '--tunnel-ip',
        '10.0.0.7',
      ],
      { OVSNET_ETCD_PASSWORD: 'secret' },
    ),
    {
      etcd: {
        endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
        prefix: '/lab',
        tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
        user: 'ovsnet',
        password: 'secret',
        timeoutMs: 2500,
      },
      hostId: 'node-7',
      hostTtlSeconds: 30,
      tunnelIp: '10.0.0.7',
    },
  );
  assert.deepEqual(parse(['--etcd', 'http://etcd:2379']), { etcd: { endpoints: ['http://etcd:2379'] } });
});

test('bad cluster options are refused with a message naming the option', () => {
  assert.throws(() => parse(['--etcd', 'etcd:2379']), /--etcd takes http:\/\/HOST:PORT/);
  assert.throws(() => parse(['--etcd', ',']), /at least one URL/);
  assert.throws(() => parse(['--etcd', 'http://e:2379', '--etcd-user', 'u']), /needs a password/);
  assert.throws(() => parse(['--etcd', 'http://e:2379', '--etcd-cert', '/c']), /--etcd-cert and --etcd-key/);
  assert.throws(() => parse(['--etcd', 'http://e:2379', '--tunnel-ip', 'h1']), /--tunnel-ip must be an IPv4/);
  assert.throws(() => parse(['--etcd', 'http://e:2379', '--host-ttl', '1']), /--host-ttl must be/);
  assert.throws(() => parse(['--etcd', 'http://e:2379', '--etcd-prefix', 'ovsnet']), /--etcd-prefix must start/);
  for (const bad of ['0.5', '61', '7s', '-3', '1e3'])
    assert.throws(() => parse(['--etcd', 'http://e:2379', '--etcd-timeout', bad]), /--etcd-timeout must be a number/);
  assert.throws(() => parse(['--etcd-timeout', '5']), /--etcd-timeout needs --etcd/);
});

test('the Docker sync follows --docker-host, is on by default and off with --no-docker-sync', () => {
  const flagged = (args: string[]) => {
    const parsed = parseArgs(['daemon', ...args]);
    return clusterConfig(parsed.options, {}, parsed.flags);
  };
  const etcd = ['--etcd', 'http://10.0.0.1:2379'];
  assert.equal(flagged(etcd)?.dockerSync, undefined, 'on unless turned off');
  assert.equal(flagged(etcd)?.dockerHost, undefined, 'the standard socket unless given');
  assert.equal(
    flagged([...etcd, '--docker-host', 'unix:///lab/h1/docker.sock'])?.dockerHost,
    'unix:///lab/h1/docker.sock',
  );
  assert.equal(flagged([...etcd, '--no-docker-sync'])?.dockerSync, false);
  assert.equal(flagged([...etcd, '--docker-host', 'none'])?.dockerSync, false, "'none': no engine to keep in step");
  assert.throws(
    () => flagged([...etcd, '--no-docker-sync', '--docker-host', 'unix:///x.sock']),
    /contradict each other/,
  );
  assert.throws(() => flagged(['--no-docker-sync']), /--no-docker-sync needs --etcd/);
  // --docker-host serves allow rules on a single host too; its form is checked with the daemon's options.
  assert.equal(flagged(['--docker-host', 'unix:///x.sock']), undefined);
});
