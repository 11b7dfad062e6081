// Default session names (src/core/aws/session-name.ts) when the run itself is long.
import { describe, expect, it } from 'vitest';
import { isSessionName, sessionNameFrom } from '../../src/core/aws/session-name.js';

describe('sessionNameFrom', () => {
  it('keeps the first 63 characters of a run that alone is too long, rather than falling back', () => {
    const name = sessionNameFrom('acme.api', 'r'.repeat(100));
    expect(name).toBe(`@${'r'.repeat(63)}`);
    expect(isSessionName(name)).toBe(true);
  });

  it('keeps a base that fits exactly', () => {
    expect(sessionNameFrom('b'.repeat(62), '1')).toBe(`${'b'.repeat(62)}@1`);
    expect(sessionNameFrom('b'.repeat(63), '1')).toBe(`${'b'.repeat(62)}@1`);
  });
});
