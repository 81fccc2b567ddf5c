// Compile-time cases for the control socket's method map (controller/control/contract.ts).
// Nothing here runs: `npm run build` is the test. Each line marked @ts-expect-error is a
// server/CLI mismatch that must not compile; if typing on either side were loosened (a
// result typed `unknown` or `any`, a handler map typed by plain strings), that line would
// compile and tsc would fail on the unused directive.
import type { callControl } from '../../../controller/control/client';
import type { ControlMethods, Handlers } from '../../../controller/control/contract';

declare const call: typeof callControl;

/** The CLI's side: method names, parameters and the fields it reads from results. */
export async function cliSide(): Promise<void> {
  const networks = await call('ovsnet.ctl', 'network.ls', {});
  void networks[0]?.key;
  // @ts-expect-error a field the records do not have: a CLI column would stay blank
  void networks[0]?.networkName;
  // @ts-expect-error a method the daemon does not serve
  await call('ovsnet.ctl', 'network.list', {});
  // @ts-expect-error a required parameter left out
  await call('ovsnet.ctl', 'network.delete', {});
  // @ts-expect-error a parameter of the wrong type
  await call('ovsnet.ctl', 'policy.allow', { networkId: 'n1', from: 'a', to: 'b', port: '80' });
  // @ts-expect-error a parameter the method does not take
  await call('ovsnet.ctl', 'status', { verbose: true });
  const hosts = await call('ovsnet.ctl', 'host.ls', {});
  void hosts[0]?.alive;
  // @ts-expect-error host rm names the host
  await call('ovsnet.ctl', 'host.rm', {});
}

/** The daemon's side: one handler per method, answering the declared result. */
export function serverSide(handlers: Handlers<ControlMethods>): Array<Handlers<ControlMethods>> {
  return [
    {
      ...handlers,
      // @ts-expect-error an answer missing fields the CLI reads
      'network.ls': () => Promise.resolve([{ id: 'n1' }]),
    },
    {
      ...handlers,
      // @ts-expect-error reading a parameter the method does not declare
      'network.delete': (p) => Promise.resolve(void p.name),
    },
    // @ts-expect-error a method without a handler
    { status: handlers.status },
  ];
}
