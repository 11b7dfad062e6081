import { describe, expect, it } from 'vitest';
import { isSessionName, sessionNameFrom } from '../../src/core/aws/session-name.js';
import { githubSessionName } from '../../src/platform/github/claims.js';

describe('session names', () => {
  it('derives owner.repo@run-attempt from GitHub claims', () => {
    expect(githubSessionName({ repository: 'acme/api', run_id: '4242424242', run_attempt: '2' })).toBe('acme.api@4242424242-2');
  });

  it('replaces characters STS refuses', () => {
    expect(sessionNameFrom('acme/ünïcode repo', '1-1')).toBe('acme-n-code-repo@1-1');
  });

  it('keeps the run when the repository name is long, and stays within 64 characters', () => {
    const name = githubSessionName({ repository: `acme/${'x'.repeat(100)}`, run_id: '4242424242', run_attempt: '1' });
    expect(name).toHaveLength(64);
    expect(name.endsWith('x@4242424242-1')).toBe(true);
    expect(isSessionName(name)).toBe(true);
  });

  it('falls back to a valid name when the claims give nothing usable', () => {
    expect(githubSessionName({})).toBe('github-actions');
    expect(sessionNameFrom('', '')).toBe('claimcheck');
  });

  it.each(['ab', 'a+b=c,d.e@f-g_h', 'x'.repeat(64)])('accepts %s', (name) => expect(isSessionName(name)).toBe(true));
  it.each(['a', 'x'.repeat(65), 'a b', 'a/b', 'a:b', 'ünï'])('refuses %s', (name) => expect(isSessionName(name)).toBe(false));
});
