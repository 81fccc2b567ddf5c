// The CLI's calls to its daemon. Each says when the command began (its process's start):
// a daemon waiting on an unreachable cluster store gives up by that start plus its bound,
// so a command fails within the bound however long its own start-up took.
import { callControl, type ControlMethodName, type ControlParams, type ControlResult } from '../../controller/api';

/** When this command began: its process's start (epoch ms). */
export const COMMAND_STARTED_AT = performance.timeOrigin;

export function askDaemon<M extends ControlMethodName>(
  control: string,
  method: M,
  params: ControlParams<M>,
): Promise<ControlResult<M>> {
  return callControl(control, method, params, undefined, COMMAND_STARTED_AT);
}
