// The value parsers every input goes through (src/core/config/input-values.ts): lists, and which hosts
// count as loopback, the only ones allowed plain http.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseList, parseServiceUrl } from '../../src/core/config/input-values.js';

describe('input values', () => {
  it('splits lists on commas and line breaks, dropping empty items', () => {
    expect(parseList('a,,b\r\n\r\nc , d\n')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('counts the whole 127.0.0.0/8 block as loopback, and nothing that only holds such an address', () => {
    expect(['127.0.0.1', '127.10.200.3', '127.255.255.255', 'localhost', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['127.0.0.1.example.com', 'x127.0.0.1', '127.0.0', '127.a.b.c', '127.1000.0.1', '128.0.0.1', 'localhost.example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('allows http only to a loopback host', () => {
    expect(parseServiceUrl('http://127.20.30.40:4566')).toBe('http://127.20.30.40:4566');
    expect(parseServiceUrl('http://127.0.0.1.nip.io:4566')).toBeUndefined();
  });
});
