// The unset line and the line-run search of the orb's cleanup (src/core/text/shell.ts).
import { describe, expect, it } from 'vitest';
import { unsetLine, withoutLineRun } from '../../src/core/text/shell.js';

describe('unsetLine', () => {
  it('unsets every name on one line', () => {
    expect(unsetLine(['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN'])).toBe('unset AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN\n');
  });

  it('refuses a name that is not a shell variable name', () => {
    expect(() => unsetLine(['AWS_REGION', 'X;rm -rf /'])).toThrow('not a shell variable name: X;rm -rf /');
  });
});

describe('withoutLineRun', () => {
  it('finds only runs of count whole lines, never a last line without its newline', () => {
    expect(withoutLineRun('a\nb', 1, (run) => run === 'b')).toBeUndefined();
    expect(withoutLineRun('x\na\n', 2, (run) => run === 'a\n')).toBeUndefined();
    expect(withoutLineRun('x\na\n', 1, (run) => run === 'a\n')).toBe('x\n');
  });
});
