// JSON-RPC 1.0 as OVSDB uses it (RFC 7047 section 4): requests carry a non-null id,
// notifications a null id, responses echo the id with exactly one of result/error non-null.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RpcRequest {
  kind: 'request';
  method: string;
  params: JsonValue[];
  id: JsonValue;
}
export interface RpcNotification {
  kind: 'notification';
  method: string;
  params: JsonValue[];
}
export interface RpcResponse {
  kind: 'response';
  id: JsonValue;
  result: JsonValue;
  error: JsonValue;
}
export type RpcMessage = RpcRequest | RpcNotification | RpcResponse;

export class RpcProtocolError extends Error {
  readonly code = 'OVSDB_PROTOCOL' as const;
}

/** Classifies a parsed JSON text, or explains why it is not a JSON-RPC message. */
export function classify(value: unknown): RpcMessage | RpcProtocolError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new RpcProtocolError('a JSON-RPC message must be an object');
  }
  const m = value as Record<string, JsonValue>;
  if (typeof m['method'] === 'string') {
    const params = m['params'];
    if (!Array.isArray(params)) return new RpcProtocolError(`"${m['method']}" has no params array`);
    const id = m['id'] ?? null;
    return id === null
      ? { kind: 'notification', method: m['method'], params }
      : { kind: 'request', method: m['method'], params, id };
  }
  if ('result' in m || 'error' in m) {
    if (!('id' in m) || m['id'] === null) return new RpcProtocolError('a response without an id');
    return { kind: 'response', id: m['id'] as JsonValue, result: m['result'] ?? null, error: m['error'] ?? null };
  }
  return new RpcProtocolError('neither a request, a notification nor a response');
}

export function encodeRequest(method: string, params: JsonValue[], id: JsonValue): string {
  return JSON.stringify({ method, params, id });
}

export function encodeResponse(id: JsonValue, result: JsonValue): string {
  return JSON.stringify({ result, error: null, id });
}
