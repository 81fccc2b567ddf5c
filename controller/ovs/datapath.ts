// Which datapath a new bridge gets: the kernel one when its module is loaded, else the
// userspace one, which runs anywhere (containers, CI machines).
import { existsSync } from 'node:fs';

export type DatapathChoice = 'auto' | 'system' | 'netdev';

export function resolveDatapath(choice: DatapathChoice): 'system' | 'netdev' {
  if (choice !== 'auto') return choice;
  return existsSync('/sys/module/openvswitch') ? 'system' : 'netdev';
}
