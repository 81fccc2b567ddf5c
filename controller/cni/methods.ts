// The control socket's CNI methods (declared in control/contract.ts).
import type { ControlMethods, Handlers, Untrusted } from '../control/contract';
import { invalid } from '../errors';
import { cniAdd } from './add';
import { cniCheck } from './check';
import type { CniContext } from './context';
import { cniDel } from './del';
import { checkAdd, checkCheck, checkDel } from './requests';
import { KeyedSerial } from './serial';
import type { CniAddRequest, CniAttachment, CniCheckRequest, CniDelRequest } from './types';
import { checkExec, execCni } from './plugin/exec';

type CniMethods = Pick<Handlers<ControlMethods>, 'cni.add' | 'cni.del' | 'cni.check' | 'cni.exec'>;

export function cniMethods(ctx: CniContext & { config: { bridge: string } }): CniMethods {
  /** A configuration written for another bridge is not this daemon's to serve. */
  const ours = <R extends CniAttachment>(request: R): R => {
    const wanted = request.network.bridge;
    if (wanted !== undefined && wanted !== ctx.config.bridge)
      throw invalid(`"bridge": this ovsnet daemon owns bridge ${ctx.config.bridge}, not ${wanted}`);
    return request;
  };
  const serial = new KeyedSerial();
  const one = <R extends CniAttachment, T>(request: R, work: (r: R) => Promise<T>): Promise<T> =>
    serial.run(`${request.containerId}\0${request.ifname}`, () => work(ours(request)));
  const operations = {
    add: async (p: Untrusted<CniAddRequest>) => one(checkAdd(p), (r) => cniAdd(ctx, r)),
    del: async (p: Untrusted<CniDelRequest>) => one(checkDel(p), (r) => cniDel(ctx, r)),
    check: async (p: Untrusted<CniCheckRequest>) => one(checkCheck(p), (r) => cniCheck(ctx, r)),
  };
  return {
    'cni.add': operations.add,
    'cni.del': operations.del,
    'cni.check': operations.check,
    'cni.exec': async (p) => execCni(operations, checkExec(p)),
  };
}
