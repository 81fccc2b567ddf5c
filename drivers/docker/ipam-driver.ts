// IpamDriver.* methods mapped onto the controller's IpamApi. Errors go in "Error" (not
// "Err"): libnetwork's IPAM proxy reads a different field than its network driver proxy.
import { ControllerError, type IpamApi, type Logger } from '../../controller/api';
import type {
  AddressSpacesResponse,
  IpamCapabilitiesResponse,
  RequestAddressResponse,
  RequestPoolResponse,
} from './protocol';
import { requiredString } from './fields';
import { toAddressRequest, toPoolRequest, toReleaseAddress } from './requests';
import { idempotently, type Route } from './routes';

/**
 * RequiresMACAddress false: the network driver picks MACs in CreateEndpoint, so the IPAM
 * need not see them. RequiresRequestReplay false: the controller persists pools and
 * allocations itself, and a replay at every dockerd start would race with that state.
 */
export const IPAM_CAPABILITIES: IpamCapabilitiesResponse = { RequiresMACAddress: false, RequiresRequestReplay: false };

export function ipamDriverRoutes(ipam: IpamApi, logger: Logger): Array<[string, Route]> {
  const route = (handle: Route['handle']): Route => ({ errorField: 'Error', handle });
  return [
    ['IpamDriver.GetCapabilities', route(() => IPAM_CAPABILITIES)],

    [
      'IpamDriver.GetDefaultAddressSpaces',
      route(() => {
        const spaces = ipam.defaultAddressSpaces();
        const answer: AddressSpacesResponse = {
          LocalDefaultAddressSpace: spaces.local,
          GlobalDefaultAddressSpace: spaces.global,
        };
        return answer;
      }),
    ],

    [
      'IpamDriver.RequestPool',
      route(async (body) => {
        const grant = await ipam.requestPool(toPoolRequest(body));
        const answer: RequestPoolResponse = { PoolID: grant.poolId, Pool: grant.pool, Data: grant.data ?? {} };
        return answer;
      }),
    ],

    [
      'IpamDriver.ReleasePool',
      route(async (body) => {
        const poolId = requiredString(body, 'PoolID');
        return idempotently(logger, `pool ${poolId}`, () => ipam.releasePool(poolId));
      }),
    ],

    [
      'IpamDriver.RequestAddress',
      route(async (body) => {
        const address = await ipam.requestAddress(toAddressRequest(body));
        // Docker reports an empty answer as "no address returned"; say who is at fault.
        if (!address.includes('/'))
          throw new ControllerError(
            'INTERNAL',
            `the controller returned "${address}" instead of an address with prefix`,
          );
        const answer: RequestAddressResponse = { Address: address, Data: {} };
        return answer;
      }),
    ],

    [
      'IpamDriver.ReleaseAddress',
      route(async (body) => {
        const release = toReleaseAddress(body);
        return idempotently(logger, `address ${release.address}`, () =>
          ipam.releaseAddress(release.poolId, release.address),
        );
      }),
    ],
  ];
}
