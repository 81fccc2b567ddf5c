// Crash points: a hook for tests only. With OVSNET_TEST_CRASH_AT set to one of the names
// below, the daemon kills itself with SIGKILL when it reaches that step boundary, the way a
// power cut or the OOM killer would stop it there: no handler runs, nothing is flushed. The
// crash-point test (test/integration/controller/crash-points.test.ts) arms each point in
// turn, restarts the daemon without it and checks that repeating the call leaves the state
// whole and nothing leaked. The variable is read once at start; unset, every point is a
// comparison and nothing more. Documented in docs/design.md §12, never for users.

/** Every boundary between two steps of a CNM call that has effects outside the store. */
export const CRASH_POINTS = [
  /** CreateEndpoint: the endpoint and its addresses are stored, Docker has no answer. */
  'create-endpoint:after-record',
  /** Join on a network that gets its own veth (an MTU set): the veth exists, nothing records it as plugged. */
  'join:after-veth',
  /** CreateEndpoint and Join at once (hand attach): the veth exists and the endpoint is stored joined, its port, flows and sandbox are not done. */
  'create-joined:after-record',
  /** Join from the port pool: the slot's veth and port are the endpoint's now. */
  'join:after-claim',
  /** Join: the endpoint is recorded as plugged, its port and flows are not there yet. */
  'join:after-record',
  /** Join: the port and its flows are realised, Docker has no answer. */
  'join:after-ready',
  /** Leave: the sandbox is forgotten, Docker has no answer. */
  'leave:after-record',
  /** DeleteEndpoint: the endpoint is gone from the store, its veth and port are still there. */
  'delete-endpoint:after-record',
  /** DeleteEndpoint, after the answer: the veth is deleted, the record of it not yet. */
  'delete-endpoint:after-unlink',
  /** DeleteNetwork: the network is gone from the store, its gateway port and flows are still there. */
  'delete-network:after-record',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The environment variable a test sets to arm one crash point. */
export const CRASH_AT_VARIABLE = 'OVSNET_TEST_CRASH_AT';

const armed = process.env[CRASH_AT_VARIABLE];

/** Dies at once if the test armed this point. */
export function crashPoint(point: CrashPoint): void {
  if (armed !== point) return;
  // Pipes to the parent are written synchronously on Linux, so the line is out before the kill.
  process.stderr.write(`ovsnet test crash point reached: ${point}\n`);
  process.kill(process.pid, 'SIGKILL');
}
