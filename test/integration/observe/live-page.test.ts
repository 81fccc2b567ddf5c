// The live page in a real browser: headless Chromium loads it from a running daemon with
// containers, every matrix cell it draws agrees with real pings, the endpoint counters
// are there, a screenshot is kept (dist/artefacts/live-page.png, or $OVSNET_ARTEFACTS), and the
// page shows a container started while it is open. The page loads nothing from elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withControllerHost, type Container } from '../controller/fixture';
import { ping } from '../../harness/probes';
import { ARTEFACTS, CHROMIUM, launchBrowser } from '../../harness/browser';

const label = (c: Container): string => c.endpointId.slice(0, 12);

test('the live page: matrix cells agree with real pings, counters show, and it follows a new container', async (t) => {
  const observe = { http: { host: '127.0.0.1', port: 0 } };
  await withControllerHost(t, { needs: ['ping', CHROMIUM], observe }, async (host, scope) => {
    await host.network('web', '10.71.0.0/24');
    await host.network('db', '10.72.0.0/24', { icc: false });
    const members = new Map<string, Container>();
    for (const [net, subnet] of [
      ['web', '10.71.0'],
      ['db', '10.72.0'],
    ] as const)
      for (const i of [2, 3]) {
        const c = await host.container(net, `${net}-c${i}-0123456789`, `${subnet}.${i}/24`);
        members.set(label(c), c);
      }
    await host.daemon.dataplane.waitSynced(10_000);
    const base = `http://127.0.0.1:${host.daemon.observers[0]?.address.port ?? 0}`;

    const browser = await launchBrowser(scope);
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) foreign.push(r.url());
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('table.matrix[data-network="db"] td[data-reach]', { timeout: 15_000 });

    const tds = page.locator('table.matrix td[data-reach]');
    const cells: Array<{ network: string; from: string; to: string; reach: boolean; why: string }> = [];
    for (let i = 0; i < (await tds.count()); i++) {
      const td = tds.nth(i);
      cells.push({
        network: (await td.locator('xpath=ancestor::table').getAttribute('data-network')) ?? '',
        from: (await td.getAttribute('data-from')) ?? '',
        to: (await td.getAttribute('data-to')) ?? '',
        reach: (await td.getAttribute('data-reach')) === 'true',
        why: (await td.getAttribute('title')) ?? '',
      });
    }
    // Two members and the gateway per network: 3 x 2 ordered pairs each.
    assert.equal(cells.length, 12);
    const disagreements: string[] = [];
    for (const cell of cells) {
      const from = members.get(cell.from);
      const to = cell.to === 'gateway' ? undefined : members.get(cell.to);
      if (!from) continue; // the gateway's row: the host itself
      const target = to ? to.ip : from.ip.replace(/\.\d+$/, '.1');
      const real = await ping(from.ns, target, { timeoutMs: 700 });
      if (real !== cell.reach)
        disagreements.push(`${cell.network}: ${cell.from} -> ${cell.to}: page ${cell.reach}, ping ${real}`);
    }
    assert.deepEqual(disagreements, []);
    const blocked = cells.find((c) => c.network === 'db' && c.to !== 'gateway' && c.from !== 'gateway');
    assert.equal(blocked?.reach, false);
    assert.match(blocked?.why ?? '', /ICC is off on network db/);
    assert.equal(await page.locator('[data-health="OVSDB"]').textContent(), 'OVSDB: up');
    assert.equal(await page.locator('[data-health="OpenFlow"]').textContent(), 'OpenFlow: up');
    // The pings above show in the counters.
    const sent = await page.locator(`tr[data-endpoint="web-c2-01234"] td.num`).first().textContent();
    assert.ok(Number(sent) > 0, `web-c2 sent packets: ${sent}`);

    // Nothing changed behind ovsnet's back, so no repair is listed (a flow that reads back
    // unlike it was written would show here as repaired again and again).
    assert.equal(await page.locator('#repairs li').first().textContent(), 'none since the daemon started');
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTEFACTS, 'live-page.png'), fullPage: true });

    // A container started while the page is open appears without a reload.
    const late = await host.container('web', 'web-late-0123456789', '10.71.0.9/24');
    await page.waitForSelector(`tr[data-endpoint="${label(late)}"]`, { timeout: 10_000 });
    await page.waitForSelector(`td[data-from="${label(late)}"][data-to="web-c2-01234"][data-reach="true"]`, {
      timeout: 10_000,
    });
    assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
  });
});
