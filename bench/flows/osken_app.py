# Peer for `npm run bench:flows` (d): an os-ken (maintained Ryu) controller app. When the
# switch connects it sends OSKEN_FLOWS OFPFlowMods (reg0 + eth_dst -> output), then one
# barrier, and prints {"seconds": ...} (first flow_mod sent .. barrier reply) and exits.
# Run: OSKEN_FLOWS=100000 osken-manager --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port P osken_app.py
import json
import os
import time

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.ofproto import ofproto_v1_3


def mac_of(i):
    return '02:00:%02x:%02x:%02x:%02x' % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)


class FlowInstallBench(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = int(os.environ.get('OSKEN_FLOWS', '100000'))
        self.started = None

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def switch_ready(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.started = time.monotonic()
        for i in range(self.count):
            match = parser.OFPMatch(reg0=i % 4096, eth_dst=mac_of(i))
            apply = parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [parser.OFPActionOutput(1 + i % 16)])
            dp.send_msg(parser.OFPFlowMod(datapath=dp, table_id=0, priority=100, match=match, instructions=[apply]))
        dp.send_msg(parser.OFPBarrierRequest(dp))

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def confirmed(self, ev):
        print(json.dumps({'seconds': time.monotonic() - self.started}), flush=True)
        os._exit(0)
