// What the daemon's CNI handlers work with: the same services the Docker plugin and
// `ovsnet attach` use, so a CNI container is an endpoint like any other.
import type { HostLinks } from '../host/links';
import type { OpenFlowSync } from '../reconcile/flow-sync';
import type { SwitchClient } from '../openflow/switch-client';
import type { CniNetworkContext } from './network';

export interface CniContext extends CniNetworkContext {
  links: HostLinks;
  flows: OpenFlowSync;
  switchClient: SwitchClient;
}
