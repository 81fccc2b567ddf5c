// A tiny container image from the machine's static busybox (no registry is needed), built
// once per lab as a tarball that every host's dockerd imports.
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from './run';

export const LAB_IMAGE = 'busybox:latest';
const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh',
  'ash',
  'cat',
  'echo',
  'ls',
  'ps',
  'kill',
  'sleep',
  'true',
  'false',
  'grep',
  'sed',
  'head',
  'tail',
  'wc',
  'seq',
  'date',
  'env',
  'hostname',
  'timeout',
  'ip',
  'ifconfig',
  'route',
  'arping',
  'ping',
  'ping6',
  'traceroute',
  'nc',
  'wget',
  'httpd',
  'udhcpc',
  'nslookup',
  'netstat',
];

/** Builds <dir>/busybox.tar once and returns its path. */
export async function buildBusyboxTarball(dir: string): Promise<string> {
  const tarball = join(dir, 'busybox.tar');
  if (existsSync(tarball)) return tarball;
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'www'])
    mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const applet of APPLETS) {
    const link = join(rootfs, 'bin', applet);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  await runOk(['tar', '-C', rootfs, '-cf', `${tarball}.tmp`, '.']);
  await runOk(['mv', `${tarball}.tmp`, tarball]);
  return tarball;
}
