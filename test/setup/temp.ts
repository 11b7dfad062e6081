// Per test file setup: every temp folder a test makes, through os.tmpdir() or a process it
// starts, lands in a folder of its own that is removed when the test ends. TMPDIR points to a
// fresh folder for the file (module scope, describe blocks, beforeAll) and, while a test runs,
// to one for that test. Concurrent tests share the file's folder: TMPDIR is one per process.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, type RunnerTask, type TestContext } from 'vitest';

const outer = process.env.TMPDIR;
const fileDir = mkdtempSync(join(tmpdir(), 'claimcheck-test-'));
process.env.TMPDIR = fileDir;
let testDir: string | undefined;

beforeEach((context) => {
  if (runsConcurrently(context)) return;
  testDir = mkdtempSync(join(fileDir, 'test-'));
  process.env.TMPDIR = testDir;
});

afterEach(() => {
  if (testDir === undefined) return;
  process.env.TMPDIR = fileDir;
  removeTree(testDir);
  testDir = undefined;
});

afterAll(() => {
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  removeTree(fileDir);
});

function runsConcurrently({ task }: TestContext): boolean {
  for (let node: RunnerTask | undefined = task; node; node = node.suite) {
    if (node.concurrent) return true;
  }
  return false;
}

/** rm -rf, also through folders a test made read-only or unreadable. */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    allowRemoval(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function allowRemoval(path: string): void {
  if (!lstatSync(path).isDirectory()) return;
  chmodSync(path, 0o700);
  for (const name of readdirSync(path)) allowRemoval(join(path, name));
}
