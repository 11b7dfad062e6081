// The temp folders of test/setup/temp.ts and temp-guard.ts: the run's own folder, one per test
// file inside it, one per test inside that, each gone when its test ends; the processes the
// harness starts use the test's folder too.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../harness/github.ts';

const fileDir = tmpdir(); // while the file is collected: the file's folder
let firstTestDir: string | undefined;

describe('temp folders', () => {
  it("gives a test its own folder, inside the file's, inside the run's", () => {
    firstTestDir = tmpdir();
    expect(dirname(firstTestDir)).toBe(fileDir);
    expect(basename(dirname(fileDir))).toMatch(/^claimcheck-vitest-/);
    writeFileSync(join(mkdtempSync(join(firstTestDir, 'left-')), 'file'), 'left behind');
  });

  it("removes a test's folder, and what is in it, when the test ends", () => {
    expect(firstTestDir).toBeDefined();
    expect(existsSync(firstTestDir as string)).toBe(false);
    expect(dirname(tmpdir())).toBe(fileDir);
  });

  it("hands the test's folder to the processes the harness starts", async () => {
    const child = await run(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { PATH: '/usr/bin:/bin' }, 20_000);
    expect(child).toMatchObject({ code: 0, stdout: tmpdir() });
  });

  describe.concurrent('concurrent tests', () => {
    it.each([1, 2])("share the file's folder (%i), as TMPDIR is one per process", (_) => {
      expect(tmpdir()).toBe(fileDir);
    });
  });
});
