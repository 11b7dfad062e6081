import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportLines, shellQuote } from '../../src/core/shell.js';

const hostile = [
  "it's",
  '$(touch MARKER)',
  '`touch MARKER`',
  '$(touch MARKER)\'$(touch MARKER)',
  'a\nexport INJECTED=1\n',
  "'; export INJECTED=1; '",
  '${HOME}',
  '\\',
  '"double"',
  ' leading and trailing ',
  '',
  'ünïcödé ✓',
];

describe('bash quoting', () => {
  it.each(hostile)('bash reads back %j exactly, runs nothing and sets nothing else', (template) => {
    const dir = mkdtempSync(join(tmpdir(), 'claimcheck-shell-'));
    const marker = join(dir, 'ran');
    const value = template.replaceAll('MARKER', marker);
    const file = join(dir, 'bash_env');
    writeFileSync(file, exportLines([['VALUE', value]]));
    const script = `source ${shellQuote(file)}; printf '%s' "$VALUE"; echo; echo "\${INJECTED:-unset}"; [ -e ${shellQuote(marker)} ] && echo ran || echo clean`;
    const output = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } });
    const lines = output.split('\n');
    expect(lines.slice(0, -3).join('\n')).toBe(value);
    expect(lines.slice(-3, -1)).toEqual(['unset', 'clean']);
  });

  it('refuses a name that is not a variable name', () => {
    expect(() => exportLines([['A=B', 'x']])).toThrow(/not a shell variable name/);
  });
});
