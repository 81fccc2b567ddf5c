// The control socket's CNI methods (declared in control/contract.ts).
import type { ControlMethods, Handlers } from '../control/contract';
import { invalid } from '../errors';
import { cniAdd } from './add';
import { cniCheck } from './check';
import type { CniContext } from './context';
import { cniDel } from './del';
import { checkAdd, checkCheck, checkDel } from './requests';
import type { CniAttachment } from './types';

type CniMethods = Pick<Handlers<ControlMethods>, 'cni.add' | 'cni.del' | 'cni.check'>;

export function cniMethods(ctx: CniContext & { config: { bridge: string } }): CniMethods {
  /** A configuration written for another bridge is not this daemon's to serve. */
  const ours = <R extends CniAttachment>(request: R): R => {
    const wanted = request.network.bridge;
    if (wanted !== undefined && wanted !== ctx.config.bridge)
      throw invalid(`"bridge": this ovsnet daemon owns bridge ${ctx.config.bridge}, not ${wanted}`);
    return request;
  };
  return {
    'cni.add': async (p) => cniAdd(ctx, ours(checkAdd(p))),
    'cni.del': async (p) => cniDel(ctx, ours(checkDel(p))),
    'cni.check': async (p) => cniCheck(ctx, ours(checkCheck(p))),
  };
}
