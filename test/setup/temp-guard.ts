// Global setup: the whole run gets a fresh, empty temp folder (TMPDIR, which os.tmpdir(),
// mktemp and the processes the tests start all use), and the run fails, naming what is left,
// if anything remains in it at the end. Each test file's own temp folders are removed by
// test/setup/temp.ts; this guard is what keeps that from regressing.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function guardTempFolder(): () => void {
  const outer = process.env.TMPDIR;
  const guarded = mkdtempSync(join(tmpdir(), 'claimcheck-vitest-'));
  process.env.TMPDIR = guarded; // the test workers are started after this, and inherit it
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    const leftovers = readdirSync(guarded);
    rmSync(guarded, { recursive: true, force: true });
    if (leftovers.length === 0) return;
    const named = leftovers.sort().slice(0, 20).join(', ');
    const more = leftovers.length > 20 ? ` and ${leftovers.length - 20} more` : '';
    console.error(`The tests left ${leftovers.length} entries in the temp folder (now removed): ${named}${more}. Remove what a test makes when it ends.`);
    process.exitCode = 1;
  };
}
