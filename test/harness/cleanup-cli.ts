// Run before every test run: removes what an earlier, killed run left behind.
import { downStaleLabs } from './lab';
import { cleanStale } from './ledger';

const log = (line: string): void => console.error(`[cleanup] ${line}`);
// Labs first: `lab down` also ends their containers, which live outside the lab's namespaces.
const removed = downStaleLabs(log) + cleanStale(log);
if (removed > 0) console.error(`[cleanup] removed ${removed} leftovers of earlier test runs`);
