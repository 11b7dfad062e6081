// A run's secrets: each one is handed to the platform's masking once, and stripped from any
// text claimcheck prints, as it is and URL-encoded. A redaction that misses one is a leak.
import { describe, expect, it } from 'vitest';
import { Secrets } from '../../src/core/secrets.js';

function secretsWith(...values: string[]): { secrets: Secrets; masked: string[] } {
  const masked: string[] = [];
  const secrets = new Secrets((secret) => masked.push(secret));
  for (const value of values) secrets.add(value);
  return { secrets, masked };
}

describe('Secrets', () => {
  it('hands each secret to the platform masking once, and never an empty one', () => {
    const { masked } = secretsWith('key-1', '', 'key-2', 'key-1');
    expect(masked).toEqual(['key-1', 'key-2']);
  });

  it('redacts every occurrence of every secret, as it is and URL-encoded', () => {
    const { secrets } = secretsWith('wJalr/K7+MDENG==', 'ASIAEXAMPLE');
    const text = `key ASIAEXAMPLE secret wJalr/K7+MDENG== again ASIAEXAMPLE in a URL ?s=${encodeURIComponent('wJalr/K7+MDENG==')}&k=ASIAEXAMPLE`;
    expect(secrets.redact(text)).toBe('key *** secret *** again *** in a URL ?s=***&k=***');
  });

  it('redacts a longer secret whole when a shorter one is part of it, whichever came first', () => {
    for (const order of [['abc', 'abcdef'], ['abcdef', 'abc']]) {
      const { secrets } = secretsWith(...order);
      expect(secrets.redact('token abcdef, prefix abc')).toBe('token ***, prefix ***');
    }
  });

  it('leaves text without a secret as it is, and redacts nothing before a secret is added', () => {
    const { secrets } = secretsWith();
    expect(secrets.redact('ASIAEXAMPLE')).toBe('ASIAEXAMPLE');
    secrets.add('ASIAEXAMPLE');
    expect(secrets.redact('no secret here')).toBe('no secret here');
    expect(secrets.redact('ASIAEXAMPLE')).toBe('***');
  });
});
