// Run before every test run: removes what an earlier, killed run left behind.
import { cleanStale } from './ledger';

const removed = cleanStale((line) => console.error(`[cleanup] ${line}`));
if (removed > 0) console.error(`[cleanup] removed ${removed} leftovers of earlier test runs`);
