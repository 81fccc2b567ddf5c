// Names of OFPT_ERROR types and codes (OpenFlow 1.3.5 section A.4.4), and of the Nicira
// (NX1.2+) and ONF extended errors OVS sends inside OFPET_EXPERIMENTER. Names follow
// ovs-ofctl's spelling so logs and `ovs-ofctl ofp-print` read the same.
import type { DecodeErrorKind } from './buffer';
import { ErrorType, NX_VENDOR_ID, ONF_VENDOR_ID } from './constants';

export const OFPET_EXPERIMENTER = ErrorType.EXPERIMENTER;

/** type -> [type name, code prefix, code names in code order] */
const STANDARD: Record<number, [string, string, string[]]> = {
  [ErrorType.HELLO_FAILED]: ['HELLO_FAILED', 'OFPHFC', ['INCOMPATIBLE', 'EPERM']],
  [ErrorType.BAD_REQUEST]: [
    'BAD_REQUEST',
    'OFPBRC',
    [
      'BAD_VERSION',
      'BAD_TYPE',
      'BAD_STAT',
      'BAD_VENDOR',
      'BAD_SUBTYPE',
      'EPERM',
      'BAD_LEN',
      'BUFFER_EMPTY',
      'BUFFER_UNKNOWN',
      'BAD_TABLE_ID',
      'IS_SLAVE',
      'BAD_PORT',
      'BAD_PACKET',
      'MULTIPART_BUFFER_OVERFLOW',
    ],
  ],
  [ErrorType.BAD_ACTION]: [
    'BAD_ACTION',
    'OFPBAC',
    [
      'BAD_TYPE',
      'BAD_LEN',
      'BAD_VENDOR',
      'BAD_VENDOR_TYPE',
      'BAD_OUT_PORT',
      'BAD_ARGUMENT',
      'EPERM',
      'TOO_MANY',
      'BAD_QUEUE',
      'BAD_OUT_GROUP',
      'MATCH_INCONSISTENT',
      'UNSUPPORTED_ORDER',
      'BAD_TAG',
      'BAD_SET_TYPE',
      'BAD_SET_LEN',
      'BAD_SET_ARGUMENT',
    ],
  ],
  [ErrorType.BAD_INSTRUCTION]: [
    'BAD_INSTRUCTION',
    'OFPBIC',
    [
      'UNKNOWN_INST',
      'UNSUP_INST',
      'BAD_TABLE_ID',
      'UNSUP_METADATA',
      'UNSUP_METADATA_MASK',
      'BAD_EXPERIMENTER',
      'BAD_EXP_TYPE',
      'BAD_LEN',
      'EPERM',
    ],
  ],
  [ErrorType.BAD_MATCH]: [
    'BAD_MATCH',
    'OFPBMC',
    [
      'BAD_TYPE',
      'BAD_LEN',
      'BAD_TAG',
      'BAD_DL_ADDR_MASK',
      'BAD_NW_ADDR_MASK',
      'BAD_WILDCARDS',
      'BAD_FIELD',
      'BAD_VALUE',
      'BAD_MASK',
      'BAD_PREREQ',
      'DUP_FIELD',
      'EPERM',
    ],
  ],
  [ErrorType.FLOW_MOD_FAILED]: [
    'FLOW_MOD_FAILED',
    'OFPFMFC',
    ['UNKNOWN', 'TABLE_FULL', 'BAD_TABLE_ID', 'OVERLAP', 'EPERM', 'BAD_TIMEOUT', 'BAD_COMMAND', 'BAD_FLAGS'],
  ],
  [ErrorType.GROUP_MOD_FAILED]: [
    'GROUP_MOD_FAILED',
    'OFPGMFC',
    [
      'GROUP_EXISTS',
      'INVALID_GROUP',
      'WEIGHT_UNSUPPORTED',
      'OUT_OF_GROUPS',
      'OUT_OF_BUCKETS',
      'CHAINING_UNSUPPORTED',
      'WATCH_UNSUPPORTED',
      'LOOP',
      'UNKNOWN_GROUP',
      'CHAINED_GROUP',
      'BAD_TYPE',
      'BAD_COMMAND',
      'BAD_BUCKET',
      'BAD_WATCH',
      'EPERM',
    ],
  ],
  [ErrorType.PORT_MOD_FAILED]: [
    'PORT_MOD_FAILED',
    'OFPPMFC',
    ['BAD_PORT', 'BAD_HW_ADDR', 'BAD_CONFIG', 'BAD_ADVERTISE', 'EPERM'],
  ],
  [ErrorType.TABLE_MOD_FAILED]: ['TABLE_MOD_FAILED', 'OFPTMFC', ['BAD_TABLE', 'BAD_CONFIG', 'EPERM']],
  [ErrorType.QUEUE_OP_FAILED]: ['QUEUE_OP_FAILED', 'OFPQOFC', ['BAD_PORT', 'BAD_QUEUE', 'EPERM']],
  [ErrorType.SWITCH_CONFIG_FAILED]: ['SWITCH_CONFIG_FAILED', 'OFPSCFC', ['BAD_FLAGS', 'BAD_LEN', 'EPERM']],
  [ErrorType.ROLE_REQUEST_FAILED]: ['ROLE_REQUEST_FAILED', 'OFPRRFC', ['STALE', 'UNSUP', 'BAD_ROLE']],
  [ErrorType.METER_MOD_FAILED]: [
    'METER_MOD_FAILED',
    'OFPMMFC',
    [
      'UNKNOWN',
      'METER_EXISTS',
      'INVALID_METER',
      'UNKNOWN_METER',
      'BAD_COMMAND',
      'BAD_FLAGS',
      'BAD_RATE',
      'BAD_BURST',
      'BAD_BAND',
      'BAD_BAND_VALUE',
      'OUT_OF_METERS',
      'OUT_OF_BANDS',
    ],
  ],
  [ErrorType.TABLE_FEATURES_FAILED]: [
    'TABLE_FEATURES_FAILED',
    'OFPTFFC',
    ['BAD_TABLE', 'BAD_METADATA', 'BAD_TYPE', 'BAD_LEN', 'BAD_ARGUMENT', 'EPERM'],
  ],
};

/** Nicira extended errors in OpenFlow 1.2+: experimenter 0x2320, the code is the exp_type. */
const NICIRA: Record<number, string> = {
  2: 'NXBRC_NXM_INVALID',
  3: 'NXBRC_NXM_BAD_TYPE',
  4: 'NXBRC_MUST_BE_ZERO',
  5: 'NXBRC_BAD_REASON',
  6: 'OFPMOFC_MONITOR_EXISTS',
  7: 'OFPMOFC_BAD_FLAGS',
  8: 'OFPMOFC_UNKNOWN_MONITOR',
  9: 'NXBRC_FM_BAD_EVENT',
  10: 'NXBRC_UNENCODABLE_ERROR',
  11: 'NXBAC_MUST_BE_ZERO',
  12: 'NXFMFC_HARDWARE',
  13: 'NXFMFC_BAD_TABLE_ID',
  15: 'NXBAC_BAD_CONJUNCTION',
  16: 'NXTTMFC_BAD_COMMAND',
  17: 'NXTTMFC_BAD_OPT_LEN',
  18: 'NXTTMFC_BAD_FIELD_IDX',
  19: 'NXTTMFC_TABLE_FULL',
  20: 'NXTTMFC_ALREADY_MAPPED',
  21: 'NXTTMFC_DUP_ENTRY',
  34: 'NXR_NOT_SUPPORTED',
  35: 'NXR_STALE',
  36: 'NXST_NOT_CONFIGURED',
};

/** ONF extension errors for OpenFlow 1.3: the bundle errors of EXT-230 and a few more. */
const ONF: Record<number, string> = {
  2300: 'OFPBFC_UNKNOWN',
  2301: 'OFPBFC_EPERM',
  2302: 'OFPBFC_BAD_ID',
  2303: 'OFPBFC_BUNDLE_EXIST',
  2304: 'OFPBFC_BUNDLE_CLOSED',
  2305: 'OFPBFC_OUT_OF_BUNDLES',
  2306: 'OFPBFC_BAD_TYPE',
  2307: 'OFPBFC_BAD_FLAGS',
  2308: 'OFPBFC_MSG_BAD_LEN',
  2309: 'OFPBFC_MSG_BAD_XID',
  2310: 'OFPBFC_MSG_UNSUP',
  2311: 'OFPBFC_MSG_CONFLICT',
  2312: 'OFPBFC_MSG_TOO_MANY',
  2313: 'OFPBFC_MSG_FAILED',
  2314: 'OFPBFC_TIMEOUT',
  2315: 'OFPBFC_BUNDLE_IN_PROGRESS',
  2600: 'OFPBIC_DUP_INST',
  4250: 'OFPBAC_BAD_SET_MASK',
  4443: 'OFPBPC_TOO_MANY',
  4444: 'OFPBPC_DUP_TYPE',
  4445: 'OFPBPC_BAD_EXPERIMENTER',
  4446: 'OFPBPC_BAD_EXP_TYPE',
  4447: 'OFPBPC_BAD_EXP_VALUE',
  4448: 'OFPBPC_EPERM',
};

/**
 * The ovs-ofctl name of an error, e.g. `OFPBMC_BAD_PREREQ`, `NXBAC_BAD_CONJUNCTION`,
 * `OFPBFC_MSG_FAILED`; unknown ones read `OFPET_<type>/<code>` so nothing is hidden.
 */
export function errorName(type: number, code: number, experimenter?: number): string {
  if (type === OFPET_EXPERIMENTER) {
    const table = experimenter === NX_VENDOR_ID ? NICIRA : experimenter === ONF_VENDOR_ID ? ONF : undefined;
    return table?.[code] ?? `EXPERIMENTER(0x${(experimenter ?? 0).toString(16)})/${code}`;
  }
  const entry = STANDARD[type];
  const codeName = entry?.[2][code];
  if (!entry || !codeName) return `OFPET_${entry?.[0] ?? type}/${code}`;
  return `${entry[1]}_${codeName}`;
}

/** The error type's own name, e.g. OFPET_BAD_MATCH. */
export function errorTypeName(type: number): string {
  if (type === OFPET_EXPERIMENTER) return 'OFPET_EXPERIMENTER';
  return `OFPET_${STANDARD[type]?.[0] ?? type}`;
}

/** An error type and code by their names in STANDARD, so no code number is written twice. */
function named(errType: number, codeName: string): { errType: number; code: number } {
  const code = STANDARD[errType]?.[2].indexOf(codeName) ?? -1;
  if (code < 0) throw new Error(`${errorTypeName(errType)} has no code ${codeName}`);
  return { errType, code };
}

/** type/code by name, for building OFPT_ERROR replies. */
export const ErrorCode = {
  HELLO_INCOMPATIBLE: named(ErrorType.HELLO_FAILED, 'INCOMPATIBLE'),
  BAD_VERSION: named(ErrorType.BAD_REQUEST, 'BAD_VERSION'),
  BAD_TYPE: named(ErrorType.BAD_REQUEST, 'BAD_TYPE'),
  BAD_MULTIPART: named(ErrorType.BAD_REQUEST, 'BAD_STAT'),
  BAD_EXPERIMENTER: named(ErrorType.BAD_REQUEST, 'BAD_VENDOR'),
  BAD_EXP_TYPE: named(ErrorType.BAD_REQUEST, 'BAD_SUBTYPE'),
  BAD_LEN: named(ErrorType.BAD_REQUEST, 'BAD_LEN'),
  BAD_ACTION_LEN: named(ErrorType.BAD_ACTION, 'BAD_LEN'),
  BAD_INSTRUCTION_LEN: named(ErrorType.BAD_INSTRUCTION, 'BAD_LEN'),
  BAD_MATCH_TYPE: named(ErrorType.BAD_MATCH, 'BAD_TYPE'),
  BAD_MATCH_LEN: named(ErrorType.BAD_MATCH, 'BAD_LEN'),
  FLOW_MOD_BAD_COMMAND: named(ErrorType.FLOW_MOD_FAILED, 'BAD_COMMAND'),
  GROUP_MOD_BAD_COMMAND: named(ErrorType.GROUP_MOD_FAILED, 'BAD_COMMAND'),
  GROUP_MOD_BAD_TYPE: named(ErrorType.GROUP_MOD_FAILED, 'BAD_TYPE'),
  METER_MOD_BAD_COMMAND: named(ErrorType.METER_MOD_FAILED, 'BAD_COMMAND'),
  METER_MOD_BAD_BAND: named(ErrorType.METER_MOD_FAILED, 'BAD_BAND'),
} as const;

/** Which OFPT_ERROR answers a message we could not decode (OpenFlow 1.3 section 6.4). */
export function replyErrorFor(kind: DecodeErrorKind): { errType: number; code: number } {
  switch (kind) {
    case 'bad_version':
      return ErrorCode.BAD_VERSION;
    case 'bad_match':
      return ErrorCode.BAD_MATCH_TYPE;
    case 'bad_oxm_length':
      return ErrorCode.BAD_MATCH_LEN;
    case 'bad_action':
      return ErrorCode.BAD_ACTION_LEN;
    case 'bad_instruction':
      return ErrorCode.BAD_INSTRUCTION_LEN;
    case 'bad_multipart':
      return ErrorCode.BAD_MULTIPART;
    case 'bad_experimenter':
      return ErrorCode.BAD_EXPERIMENTER;
    case 'bad_flow_mod_command':
      return ErrorCode.FLOW_MOD_BAD_COMMAND;
    case 'bad_group_mod_command':
      return ErrorCode.GROUP_MOD_BAD_COMMAND;
    case 'bad_group_type':
      return ErrorCode.GROUP_MOD_BAD_TYPE;
    case 'bad_meter_mod_command':
      return ErrorCode.METER_MOD_BAD_COMMAND;
    case 'bad_meter_band':
      return ErrorCode.METER_MOD_BAD_BAND;
    case 'truncated':
    case 'bad_length':
    case 'undecodable': // as before kinds existed: the peer learns its message was not understood
      return ErrorCode.BAD_LEN;
  }
}
