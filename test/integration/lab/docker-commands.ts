// Docker commands the lab checks share, as argv for `lab.exec`.

/** `docker network create` of an ovsnet network with ovsnet's IPAM. */
export function createOvsnetNetwork(subnet: string, name: string, ...options: string[]): string[] {
  return [
    'docker',
    'network',
    'create',
    '-d',
    'ovsnet',
    '--ipam-driver',
    'ovsnet',
    '--subnet',
    subnet,
    ...options,
    name,
  ];
}
