// The CNI_* environment a runtime sets for each call, checked for the command at hand.
import { CniCode, CniError } from './errors';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniEnvironment {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs (FOO=BAR;ABC=123). */
  args: Map<string, string>;
  /** CNI_PATH's directories, where delegated plugins (IPAM) are looked up. */
  path: string[];
}

const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION'];

function variable(env: NodeJS.ProcessEnv, name: string, required: boolean): string {
  const value = env[name] ?? '';
  if (required && value === '') throw new CniError(CniCode.INVALID_ENVIRONMENT, `${name} is not set`);
  return value;
}

export function parseCniArgs(text: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CniCode.INVALID_ENVIRONMENT, `CNI_ARGS: "${pair}" is not KEY=VALUE`);
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return args;
}

export function readEnvironment(env: NodeJS.ProcessEnv): CniEnvironment {
  const command = variable(env, 'CNI_COMMAND', true);
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new CniError(CniCode.INVALID_ENVIRONMENT, `CNI_COMMAND "${command}" is not one of ${COMMANDS.join(', ')}`);
  const cmd = command as CniCommand;
  const container = cmd !== 'VERSION';
  return {
    command: cmd,
    containerId: variable(env, 'CNI_CONTAINERID', container),
    // DEL may come after the runtime already removed the namespace.
    netns: variable(env, 'CNI_NETNS', cmd === 'ADD' || cmd === 'CHECK'),
    ifname: variable(env, 'CNI_IFNAME', container),
    args: parseCniArgs(variable(env, 'CNI_ARGS', false)),
    path: variable(env, 'CNI_PATH', container)
      .split(':')
      .filter((p) => p !== ''),
  };
}
