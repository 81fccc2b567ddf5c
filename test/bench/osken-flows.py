# Peer measurement for `npm run bench:flows`: an os-ken (maintained Ryu) app that, once the
# switch connects, sends N OFPFlowMods (match reg0 + eth_dst, output to a port) and then a
# barrier, and prints {"seconds": ...} when the barrier reply arrives.
# Run: OSKEN_FLOWS=100000 osken-manager --ofp-tcp-listen-port PORT osken-flows.py
import json
import os
import time

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.ofproto import ofproto_v1_3


class FlowBench(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = int(os.environ.get('OSKEN_FLOWS', '100000'))
        self.started_at = None

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        parser = dp.ofproto_parser
        self.started_at = time.monotonic()
        for i in range(self.count):
            mac = '02:00:%02x:%02x:%02x:%02x' % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)
            match = parser.OFPMatch(reg0=i % 4096, eth_dst=mac)
            actions = [parser.OFPActionOutput(1 + i % 16)]
            inst = [parser.OFPInstructionActions(dp.ofproto.OFPIT_APPLY_ACTIONS, actions)]
            dp.send_msg(parser.OFPFlowMod(datapath=dp, table_id=0, priority=100, match=match, instructions=inst))
        dp.send_msg(parser.OFPBarrierRequest(dp))

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def on_barrier(self, ev):
        print(json.dumps({"seconds": time.monotonic() - self.started_at}), flush=True)
        os._exit(0)
