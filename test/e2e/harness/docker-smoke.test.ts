import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerEngine } from '../../harness/docker';
import { Netns } from '../../harness/netns';
import { DOCKER_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';

test('a private dockerd inside a test namespace runs a locally built busybox container', async (t) => {
  if (!requireBinaries(t, DOCKER_BINARIES)) return;
  const host = await Netns.create('h');
  t.after(() => host.destroy());
  const docker = await DockerEngine.start({ netns: host });
  t.after(() => docker.stop());
  await withLogs([docker], async () => {
    const image = await docker.importBusybox();
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
