// Each emulated host has its own hostname (h1, h2, ...), as a real host does: its daemons
// and commands run in a UTS namespace of their own, so `hostname`, `docker info` and
// anything that names "this host" after its hostname tell the hosts apart.

/** argv run with `hostname` set to `name` (no fork: the shell execs argv in place). */
export function withHostname(name: string, argv: readonly string[]): string[] {
  return ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', name, ...argv];
}
