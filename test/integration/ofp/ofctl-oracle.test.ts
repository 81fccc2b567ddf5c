// Cross-checks the codec with an independent decoder: OVS's own. For each FlowMod, the
// bytes we encode (decoded by `ovs-ofctl ofp-print`) and the text we render (parsed by
// `ovs-ofctl parse-flow`) must come out as the same canonical flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOk } from '../../../controller/host/exec';
import { encodeMessage } from '../../../flows/ofp/encode';
import { flowText } from '../../../flows/ofp/text';
import { BundleCtrlType } from '../../../flows/ofp/constants';
import type { OfpMessage } from '../../../flows/ofp/types';
import { SAMPLE_FLOW_MODS, prng, randomFlowMod } from '../../fixtures/ofp-samples';
import { requireBinaries } from '../../harness/require';
import { decodeOrFail } from '../../harness/ofp-decode';

async function ofpPrint(bytes: Buffer): Promise<string> {
  return (await runOk('ovs-ofctl', ['ofp-print', bytes.toString('hex')])).trim();
}

async function parseFlow(text: string, command: string): Promise<string> {
  const verb =
    {
      add: 'parse-flow',
      modify: 'parse-flow',
      modify_strict: 'parse-flow',
      delete: 'parse-flow',
      delete_strict: 'parse-flow',
    }[command] ?? 'parse-flow';
  const out = await runOk('ovs-ofctl', ['-O', 'OpenFlow13', verb, text]);
  return out.trim().split('\n').at(-1) as string;
}

test('every sample FlowMod: our bytes and our text mean the same flow to OVS', async (t) => {
  if (!requireBinaries(t, ['ovs-ofctl'])) return;
  for (const fm of SAMPLE_FLOW_MODS) {
    const bytes = encodeMessage(fm);
    const printed = await ofpPrint(bytes);
    assert.doesNotMatch(printed, /decode error|\*\*\*/, `${flowText(fm)}\n${printed}`);
    const roundTrip = decodeOrFail(bytes, flowText(fm));
    assert.deepEqual(encodeMessage(roundTrip), bytes, 'decode then encode gives the same bytes');
    if (fm.command === 'add') {
      const canonical = await parseFlow(flowText(fm), fm.command);
      assert.equal(printed, canonical, `text and bytes disagree for ${flowText(fm)}`);
    }
  }
});

test('a seeded random sample of 150 FlowMods agrees with OVS too', async (t) => {
  if (!requireBinaries(t, ['ovs-ofctl'])) return;
  const rand = prng(20261122);
  for (let i = 0; i < 150; i++) {
    const fm = randomFlowMod(rand);
    const bytes = encodeMessage(fm);
    const printed = await ofpPrint(bytes);
    const canonical = await parseFlow(flowText(fm), 'add');
    assert.equal(printed, canonical, `sample ${i}: ${flowText(fm)}`);
  }
});

test('other messages decode cleanly in ovs-ofctl ofp-print', async (t) => {
  if (!requireBinaries(t, ['ovs-ofctl'])) return;
  const cases: Array<[OfpMessage, RegExp]> = [
    [{ type: 'hello', xid: 1, versions: [4] }, /OFPT_HELLO \(OF1\.3\).*\n.*version bitmap: 0x04/],
    [
      { type: 'echo_request', xid: 2, data: Buffer.from('ping') },
      /OFPT_ECHO_REQUEST \(OF1\.3\) \(xid=0x2\): 4 bytes of payload/,
    ],
    [{ type: 'features_request', xid: 3 }, /OFPT_FEATURES_REQUEST \(OF1\.3\)/],
    [{ type: 'barrier_request', xid: 4 }, /OFPT_BARRIER_REQUEST \(OF1\.3\)/],
    [
      { type: 'set_config', xid: 5, flags: 0, missSendLen: 0xffff },
      /OFPT_SET_CONFIG \(OF1\.3\).*frags=normal miss_send_len=65535/,
    ],
    [
      {
        type: 'flow_stats_request',
        xid: 6,
        flags: 0,
        request: { tableId: 3, outPort: 7, match: [{ field: 'reg0', value: 5 }] },
      },
      /OFPST_FLOW request \(OF1\.3\) \(xid=0x6\): table=3 out_port=7 reg0=0x5/,
    ],
    [{ type: 'port_desc_request', xid: 7, flags: 0 }, /OFPST_PORT_DESC request \(OF1\.3\)/],
    [{ type: 'desc_request', xid: 8, flags: 0 }, /OFPST_DESC request \(OF1\.3\)/],
    [
      { type: 'role_request', xid: 9, role: 2, generationId: 7n },
      /OFPT_ROLE_REQUEST \(OF1\.3\).*role=primary generation_id=7/,
    ],
    [
      { type: 'bundle_control', xid: 10, bundleId: 3, ctrlType: BundleCtrlType.OPEN_REQUEST, flags: 3 },
      /ONFT_BUNDLE_CONTROL[\s\S]*bundle_id=0x3 type=OPEN_REQUEST flags=atomic ordered/,
    ],
    [
      { type: 'bundle_add', xid: 11, bundleId: 3, flags: 3, message: SAMPLE_FLOW_MODS[0] as OfpMessage },
      /ONFT_BUNDLE_ADD_MESSAGE[\s\S]*bundle_id=0x3 flags=atomic ordered[\s\S]*OFPT_FLOW_MOD/,
    ],
    [
      { type: 'aggregate_request', xid: 15, flags: 0, request: { tableId: 2 } },
      /OFPST_AGGREGATE request \(OF1\.3\) \(xid=0xf\): table=2/,
    ],
    [
      { type: 'port_stats_request', xid: 16, flags: 0, portNo: 0xffffffff },
      /OFPST_PORT request \(OF1\.3\) \(xid=0x10\): port_no=ANY/,
    ],
    [{ type: 'table_stats_request', xid: 17, flags: 0 }, /OFPST_TABLE request \(OF1\.3\) \(xid=0x11\)/],
    [
      {
        type: 'packet_out',
        xid: 12,
        bufferId: 0xffffffff,
        inPort: 0xfffffffd,
        actions: [{ type: 'output', port: 2 }],
        data: Buffer.alloc(60),
      },
      /OFPT_PACKET_OUT \(OF1\.3\).*in_port=CONTROLLER actions=output:2/,
    ],
  ];
  for (const [message, expected] of cases) {
    const printed = await ofpPrint(encodeMessage(message));
    assert.match(printed, expected, printed);
    const back = decodeOrFail(encodeMessage(message), message.type);
    assert.equal(back.type, message.type);
  }
});
