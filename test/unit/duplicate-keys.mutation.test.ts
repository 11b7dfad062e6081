// The duplicate-key scanner on the shapes that trip a hand-written walk: a value equal to its
// key, a list closed before a repeated key, keys after a list inside a map, escapes, and the
// paths and names it reports.
import { describe, expect, it } from 'vitest';
import { childPath, describeDuplicateKey, duplicateJsonKey } from '../../src/core/text/duplicate-keys.js';

describe('duplicateJsonKey', () => {
  it.each<[string, { path: string; key: string } | undefined]>([
    ['{"a":"a"}', undefined],
    ['{"a":"a","b":"a"}', undefined],
    ['{"a":["a","a"]}', undefined],
    ['["a","a"]', undefined],
    ['{"a":{"a":1}}', undefined],
    ['"a"', undefined],
    ['{"a":[1],"a":2}', { path: '', key: 'a' }],
    ['{"a":{"b":1},"a":2}', { path: '', key: 'a' }],
    ['{"l":[{"k":1},{"k":2,"k":3}]}', { path: 'l[1]', key: 'k' }],
    ['{"l":[[1],{"k":1,"k":2}]}', { path: 'l[1]', key: 'k' }],
    ['{"m":{"n":[1,2]},"o":{"p":"\\"q\\"","p":1}}', { path: 'o', key: 'p' }],
    ['{"a\\u0062":1,"ab":2}', { path: '', key: 'ab' }],
    ['{"s":"}{][,\\\\","s":1}', { path: '', key: 's' }],
    ['{ "x" : 1 , "x" : 2 }', { path: '', key: 'x' }],
  ])('%s → %j', (text, duplicate) => {
    expect(duplicateJsonKey(text)).toEqual(duplicate);
  });
});

describe('describing a duplicate', () => {
  it('writes plain keys as they are and others as JSON, at the top level or a path', () => {
    expect(describeDuplicateKey({ path: '', key: 'ref' })).toBe('top level: the key ref appears twice');
    expect(describeDuplicateKey({ path: 'roles[0].claims', key: 'oidc.circleci.com/vcs-ref' })).toBe('roles[0].claims: the key oidc.circleci.com/vcs-ref appears twice');
    expect(describeDuplicateKey({ path: 'claims', key: 'a b' })).toBe('claims: the key "a b" appears twice');
    expect(describeDuplicateKey({ path: 'claims', key: '' })).toBe('claims: the key "" appears twice');
    expect(describeDuplicateKey({ path: 'claims', key: 'x\ny' })).toBe('claims: the key "x\\ny" appears twice');
    expect(childPath('', 'claims')).toBe('claims');
    expect(childPath('roles[0]', 'claims')).toBe('roles[0].claims');
  });
});
