// A real browser for page tests: Debian's headless Chromium driven by playwright-core, with
// a fresh profile, nothing reaching out to the network on its own, closed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { RigScope } from './rig';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where tests keep what a person may want to look at afterwards (screenshots): dist/artefacts by default. */
export const ARTEFACTS = process.env['OVSNET_ARTEFACTS'] ?? join(__dirname, '..', '..', 'artefacts');

export async function launchBrowser(scope: RigScope): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'ovsnet-chromium-'));
  scope.defer(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  scope.defer(() => context.close());
  return context;
}
