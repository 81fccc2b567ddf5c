# Peer measurement for `npm run bench:ovsdb`: OpenStack ovsdbapp adding ports one
# transaction per port, each timed to its commit reply. Prints {"seconds": total}.
#   /usr/bin/python3 ovsdbapp-ports.py unix:/path/db.sock BRIDGE NAME...
import json
import sys
import time

from ovsdbapp.backend.ovs_idl import connection
from ovsdbapp.schema.open_vswitch import impl_idl

# ovsdbapp's Open_vSwitch transactions normally also wait for ovs-vswitchd (cur_cfg) after
# the commit reply; the "commit" figure is the client's own cost, so stop at the reply, as
# the ovsnet side does.
impl_idl.OvsVsctlTransaction.do_post_commit = lambda self, txn: None

remote, bridge, names = sys.argv[1], sys.argv[2], sys.argv[3:]
idl = connection.OvsdbIdl.from_server(remote, 'Open_vSwitch')
api = impl_idl.OvsdbIdl(connection.Connection(idl=idl, timeout=120))
start = time.monotonic()
for name in names:
    api.add_port(bridge, name).execute(check_error=True)
print(json.dumps({"seconds": time.monotonic() - start}))
