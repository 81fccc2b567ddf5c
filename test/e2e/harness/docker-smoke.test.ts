import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerEngine } from '../../harness/docker-host';

test('a private dockerd inside a test namespace runs a locally built busybox container', async (t) => {
  await withDockerEngine(t, async ({ docker, image }) => {
    const out = await docker.docker(
      'run',
      '--rm',
      '--net',
      'none',
      image,
      'sh',
      '-c',
      'echo hello-from-$(hostname | cut -c1-3)',
    );
    assert.match(out, /^hello-from-/);
    const failing = await docker.tryDocker('run', '--rm', '--net', 'none', image, 'sh', '-c', 'exit 7');
    assert.equal(failing.code, 7, 'exit status of the container is reported');
  });
});
