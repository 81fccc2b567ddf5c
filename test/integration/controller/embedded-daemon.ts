// Helper process for the shutdown test: a program that embeds the daemon, stops it while
// work is waiting on a frozen ovs-vswitchd, and then simply returns. It must exit by itself.
import { startDaemon } from '../../../controller/daemon';
import { silentLogger } from '../../../controller/log';

interface Settings {
  ovsdb: string;
  rundir: string;
  netns: string;
  stateDir: string;
  vswitchdPid: number;
}

function report(event: string, detail: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...detail })}\n`);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
  const daemon = await startDaemon({
    ovsdb: settings.ovsdb,
    ovsRundir: settings.rundir,
    bridge: 'br-int',
    datapath: 'netdev',
    stateDir: settings.stateDir,
    logger: silentLogger,
    netns: settings.netns,
    portPool: 8,
  });
  await daemon.service.createNetwork({
    id: 'n',
    ipv4: [{ pool: '10.44.0.0/24', gateway: '10.44.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
  });
  await daemon.service.createEndpoint({ networkId: 'n', endpointId: 'ep-before-01', ipv4: '10.44.0.2/24' });
  await daemon.service.join('n', 'ep-before-01', '/run/netns/none');
  await daemon.service.createEndpoint({ networkId: 'n', endpointId: 'ep-frozen-01', ipv4: '10.44.0.3/24' });
  // From here nothing ovs-vswitchd must do gets done: the join's flows wait for the switch,
  // and so does the refill its claim may start.
  process.kill(settings.vswitchdPid, 'SIGSTOP');
  report('frozen');
  const joined = daemon.service.join('n', 'ep-frozen-01', '/run/netns/none').then(
    () => 'joined',
    (error: unknown) => `failed: ${(error as Error).message}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const stopping = Date.now();
  await daemon.stop();
  report('stopped', { ms: Date.now() - stopping, join: await joined });
}

main().catch((error: unknown) => {
  report('error', { message: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
});
