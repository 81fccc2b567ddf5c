// What an allow rule's `from` and `to` select, and which endpoints that is now. A selector
// is one of:
//   label:KEY=VALUE   the containers carrying that Docker label
//   an address        the endpoint holding it (IPv4 or IPv6)
//   a CIDR            the endpoints with an address inside it
//   anything else     an endpoint id (or a prefix of 12+ characters), a container name, or a
//                     container id (or a prefix of 12+ characters)
// Names, ids and labels of Docker's containers are learnt after Join (host/docker-containers.ts),
// so a selector by name or label follows containers as they come, go and restart.
import { parseAddress, parseCidr, type Family } from './addresses';
import { invalid } from '../errors';
import type { ContainerFacts, EndpointRecord } from './records';

export type Selector =
  | { kind: 'label'; key: string; value: string }
  | { kind: 'address'; family: Family; first: bigint; last: bigint }
  | { kind: 'name'; text: string };

/** The fields of an endpoint a selector looks at. */
export type SelectableEndpoint = Pick<EndpointRecord, 'endpointId' | 'containerName' | 'ipv4' | 'ipv6'> & {
  container?: ContainerFacts;
};

const LABEL = /^label:([A-Za-z0-9][A-Za-z0-9._/-]{0,127})=([A-Za-z0-9._:/@+-]{0,128})$/;
const NAME = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,127}$/;
const LOOKS_LIKE_ADDRESS = /^[0-9a-fA-F:.]+(\/\d+)?$/;
/** Ids may be abbreviated, as Docker's are, but not below this. */
const MIN_ID_PREFIX = 12;

/** Parses a selector; INVALID_ARGUMENT naming `what` (e.g. `rule "from"`) when it is none. */
export function parseSelector(text: string, what: string): Selector {
  if (typeof text !== 'string') throw invalid(`${what} must be a string`);
  const label = LABEL.exec(text);
  if (label) return { kind: 'label', key: label[1] as string, value: label[2] as string };
  if (LOOKS_LIKE_ADDRESS.test(text) && /[.:]/.test(text)) {
    if (text.includes('/')) {
      const cidr = parseCidr(text, what);
      return { kind: 'address', family: cidr.family, first: cidr.first, last: cidr.last };
    }
    const address = parseAddress(text, what);
    return { kind: 'address', family: address.family, first: address.value, last: address.value };
  }
  if (NAME.test(text)) return { kind: 'name', text };
  throw invalid(
    `${what} must be an endpoint id, container name or id, address, CIDR or label:KEY=VALUE, not "${text}"`,
  );
}

const sameOrPrefix = (id: string | undefined, text: string): boolean =>
  id !== undefined && (id === text || (text.length >= MIN_ID_PREFIX && id.startsWith(text)));

/** The endpoint's addresses, parsed once per endpoint. */
interface Indexed {
  endpoint: SelectableEndpoint;
  addresses: Array<{ family: Family; value: bigint }>;
}

function indexed(endpoint: SelectableEndpoint): Indexed {
  const addresses = [endpoint.ipv4, endpoint.ipv6].flatMap((cidr) => {
    if (cidr === undefined) return [];
    const parsed = parseAddress(cidr.split('/')[0] as string);
    return [{ family: parsed.family, value: parsed.value }];
  });
  return { endpoint, addresses };
}

function selects(selector: Selector, { endpoint, addresses }: Indexed): boolean {
  switch (selector.kind) {
    case 'label':
      return endpoint.container?.labels[selector.key] === selector.value;
    case 'address':
      return addresses.some(
        (a) => a.family === selector.family && a.value >= selector.first && a.value <= selector.last,
      );
    case 'name':
      return (
        sameOrPrefix(endpoint.endpointId, selector.text) ||
        endpoint.containerName === selector.text ||
        endpoint.container?.name === selector.text ||
        sameOrPrefix(endpoint.container?.id, selector.text)
      );
  }
}

/** Resolves selectors against one set of endpoints (a network's), parsing each address once. */
export class SelectorResolver<E extends SelectableEndpoint> {
  private readonly endpoints: Array<Indexed & { endpoint: E }>;

  constructor(endpoints: readonly E[]) {
    this.endpoints = endpoints.map((e) => indexed(e) as Indexed & { endpoint: E });
  }

  /** The endpoints `text` selects now; none for a selector that does not parse. */
  select(text: string): E[] {
    let selector: Selector;
    try {
      selector = parseSelector(text, 'selector');
    } catch {
      return [];
    }
    return this.endpoints.filter((e) => selects(selector, e)).map((e) => e.endpoint);
  }
}
