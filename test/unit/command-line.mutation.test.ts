// The exact credential_process text written to the config file (src/core/text/command-line.ts) for
// words that start or end with the characters written escaped, and Windows folders that end in
// several backslashes. What each client makes of such lines: test/unit/command-line.test.ts.
import { describe, expect, it } from 'vitest';
import { credentialProcessLine } from '../../src/core/text/command-line.js';

describe('credential_process words', () => {
  it.each([
    ['#tag', "\\#'tag'"],
    ["it's;", "'it'\\''s'\\;"],
    ["';#", "\\'\\;\\#"],
    ['a #b', "'a '\\#'b'"],
  ])('POSIX: %j is written %s', (word, written) => {
    expect(credentialProcessLine(['/usr/bin/node', word], 'linux')).toBe(`/usr/bin/node ${written}`);
  });

  it('Windows: doubles every backslash before the closing quote', () => {
    expect(credentialProcessLine(['C:\\node.exe', 'C:\\some folder\\\\'], 'win32')).toBe('C:\\node.exe "C:\\some folder\\\\\\\\"');
    expect(credentialProcessLine(['C:\\node.exe', 'C:\\a b\\c\\'], 'win32')).toBe('C:\\node.exe "C:\\a b\\c\\\\"');
  });
});
