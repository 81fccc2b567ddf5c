// Writes transactions as fast as it can and reports each acknowledged one on stdout, until
// it is killed. Each transaction writes two keys with the same value so a half-applied
// transaction would be visible.
import { FileKvStore } from '../../../controller/store/file-store';

const store = FileKvStore.open(process.argv[2] as string, { compactEvery: 50 });
let n = 0;
async function loop(): Promise<void> {
  for (;;) {
    n++;
    const batch = [n, n + 1, n + 2].map((i) =>
      store
        .txn({
          puts: [
            { key: `a/${i}`, value: i },
            { key: `b/${i}`, value: i },
          ],
        })
        .then(() => process.stdout.write(`${i}\n`)),
    );
    n += 2;
    await Promise.all(batch);
  }
}
void loop();
