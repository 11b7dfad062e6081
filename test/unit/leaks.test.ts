import { describe, expect, it } from 'vitest';
import { findLeaks } from '../harness/leaks.ts';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('the leak scan', () => {
  it.each([
    ['as is', `key=${secret}`],
    ['URL-encoded', `key=${encodeURIComponent(secret)}`],
    ['base64 at offset 0', Buffer.from(secret).toString('base64')],
    ['base64 inside a blob, offset 1', Buffer.from(`x${secret}y`).toString('base64')],
    ['base64url inside a blob, offset 2', Buffer.from(`{"k":"${secret}"}`).toString('base64url')],
  ])('finds a secret %s', (_, text) => {
    expect(findLeaks({ log: text }, [secret])).toHaveLength(1);
  });

  it('finds nothing where there is nothing', () => {
    expect(findLeaks({ log: 'AWS_ACCESS_KEY_ID exported; secret ***' }, [secret])).toEqual([]);
  });
});
