// Role chains, beyond test/unit/chain.test.ts: the exact bounds STS sets (tag keys, tags per hop,
// managed policies), how option words are read, each refusal of a rules file's chain list with
// the path it names, and what the plan sends to hops that declare nothing.
import { describe, expect, it } from 'vitest';
import { ChainSyntaxError, parseChainInput, readChainList } from '../../src/core/aws/chain.js';
import { planChain } from '../../src/core/aws/chain-plan.js';

const HUB = 'arn:aws:iam::222233334444:role/hub';
const TARGET = 'arn:aws:iam::333344445555:role/target';
const NO_POLICIES = { inlineSessionPolicy: undefined, managedSessionPolicies: [] };
const compact = (text: string) => JSON.stringify(JSON.parse(text));

function syntaxError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ChainSyntaxError);
    return (error as Error).message;
  }
  throw new Error('expected a ChainSyntaxError');
}

const lineError = (text: string) => syntaxError(() => parseChainInput(text));
const listError = (value: unknown) => syntaxError(() => readChainList(value, 'roles[0].chain', compact));

describe('the role-chain input: bounds and words', () => {
  it('takes tag keys of 1 to 128 characters as STS counts them, and no key starting with aws:', () => {
    const key128 = 'K'.repeat(128);
    expect(parseChainInput(`${HUB} tags=${key128}=v`)[0]?.tags[0]?.key).toBe(key128);
    expect(parseChainInput(`${HUB} tags=x-aws:y=v,AWSx=v`)[0]?.tags.map((tag) => tag.key)).toEqual(['x-aws:y', 'AWSx']);
    expect(lineError(`${HUB} tags=${'K'.repeat(129)}=v`)).toBe(`hop 1 (${HUB}), option tags: the tag key "${'K'.repeat(80)}…" is not 1 to 128 letters, digits, spaces or _ . : / = + - @`);
    // 64 letters outside the BMP: 64 characters, but 128 UTF-16 units, which is what STS counts.
    expect(parseChainInput(`${HUB} tags=${'𝐀'.repeat(64)}=v`)[0]?.tags).toHaveLength(1);
    expect(lineError(`${HUB} tags=${'𝐀'.repeat(65)}=v`)).toMatch(/the tag key ".*" is not 1 to 128 letters/);
    expect(lineError(`${HUB} tags=A#=v`)).toMatch(/the tag key "A#" is not 1 to 128 letters/);
    expect(lineError(`${HUB} tags=Aws:x=v`)).toMatch(/the tag key "Aws:x" starts with aws:/);
  });

  it('takes 50 tags and 10 managed policies on a hop', () => {
    const tags = Array.from({ length: 50 }, (_, i) => `K${i}=v`).join(',');
    expect(parseChainInput(`${HUB} tags=${tags}`)[0]?.tags).toHaveLength(50);
    const arns = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::aws:policy/p${i}`).join(',');
    expect(parseChainInput(`${HUB} managed-session-policies=${arns}`)[0]?.managedSessionPolicies).toHaveLength(10);
  });

  it('reads options separated by any run of spaces or tabs, and skips indented comments', () => {
    const [hop] = parseChainInput(`  # the hub\n\n   \n${HUB}  external-id=acme\t tags=A=1   \n`);
    expect(hop).toMatchObject({ externalId: 'acme', tags: [{ key: 'A' }] });
  });

  it.each([
    [`${HUB} tags=A=1 foo`, `hop 1 (${HUB}): unknown option "foo"; options are external-id, tags, transitive-tag-keys, source-identity, managed-session-policies, written name=value`],
    [`${HUB} tags=A=1 =x`, `hop 1 (${HUB}): unknown option ""; options are external-id, tags, transitive-tag-keys, source-identity, managed-session-policies, written name=value`],
    [`${HUB} external-id=ab tags`, `hop 1 (${HUB}), option tags: has no value (write tags=value, without spaces)`],
    [`${HUB} tags==v`, `hop 1 (${HUB}), option tags: "=v" is not Key=value (tags=Key=value,Key2=value)`],
    [`${HUB} tags=A=x#`, `hop 1 (${HUB}), option tags.A: "x#" holds "#", which STS does not accept here`],
    [`${HUB} tags=A=x}`, `hop 1 (${HUB}), option tags.A: "x}" holds "}", which STS does not accept here (a } without its {)`],
    [`${HUB} tags=A={claims.x`, `hop 1 (${HUB}), option tags.A: "{claims.x" has a { without its }; a template names a claim as {claims.<name>}, e.g. {claims.repository}`],
    [`${HUB} tags=A={x}`, `hop 1 (${HUB}), option tags.A: "{x}" has {x}; a template names a claim as {claims.<name>}, e.g. {claims.repository}`],
  ])('refuses %j: %s', (text, message) => {
    expect(lineError(text)).toBe(message);
  });

  it('shows at most 80 characters of what it refuses', () => {
    const long = `arn:aws:iam::123:role/${'x'.repeat(100)}`;
    expect(lineError(long)).toBe(`hop 1: "${long.slice(0, 80)}…" is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
    const eighty = `arn:aws:iam::123:role/${'x'.repeat(58)}`;
    expect(lineError(eighty)).toBe(`hop 1: "${eighty}" is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
  });
});

describe('a rules file\'s chain list', () => {
  it('takes a single string where a list is expected, and a session policy as JSON text as it is', () => {
    const seen: Array<[string, string]> = [];
    const [hop] = readChainList(
      [{ role: HUB, tags: { Repository: '{claims.repository}' }, 'transitive-tag-keys': 'Repository', 'managed-session-policies': 'arn:aws:iam::aws:policy/A', 'session-policy': '{"Statement": []}' }],
      'roles[0].chain',
      (text, path) => {
        seen.push([text, path]);
        return compact(text);
      },
    );
    expect(hop).toMatchObject({ transitiveTagKeys: ['Repository'], managedSessionPolicies: ['arn:aws:iam::aws:policy/A'], sessionPolicy: '{"Statement":[]}' });
    expect(seen).toEqual([['{"Statement": []}', 'roles[0].chain[0].session-policy']]);
  });

  it('hands a session policy map to the policy check as JSON', () => {
    const seen: string[] = [];
    readChainList([{ role: HUB, 'session-policy': { Statement: [] } }], 'roles[0].chain', (text) => {
      seen.push(text);
      return text;
    });
    expect(seen).toEqual(['{"Statement":[]}']);
  });

  it.each([
    ['a number', [5], 'roles[0].chain[0]: expected a role ARN or a map with role and the hop\'s options'],
    ['null', [null], 'roles[0].chain[0]: expected a role ARN or a map with role and the hop\'s options'],
    ['a list', [[HUB]], 'roles[0].chain[0]: expected a role ARN or a map with role and the hop\'s options'],
    ['two unknown keys', [{ role: HUB, colour: 'blue', size: 1 }], 'roles[0].chain[0]: unknown key colour, size (allowed: role, external-id, tags, transitive-tag-keys, source-identity, managed-session-policies, session-policy)'],
    ['no role', [{ 'external-id': 'acme' }], 'roles[0].chain[0].role: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy'],
    ['a number as role', [{ role: 123456789012 }], 'roles[0].chain[0].role: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy'],
    ['an external ID that is not text', [{ role: HUB, 'external-id': 12345 }], 'roles[0].chain[0].external-id: "" is not 2 to 1224 letters, digits or _ + = , . @ : / -'],
    ['tags that are text', [{ role: HUB, tags: 'A=1' }], 'roles[0].chain[0].tags: expected a map of tag keys to values'],
    ['a reserved tag key', [{ role: HUB, tags: { 'aws:x': '1' } }], 'roles[0].chain[0].tags: the tag key "aws:x" starts with aws:, which AWS reserves'],
    ['no transitive keys', [{ role: HUB, tags: { A: '1' }, 'transitive-tag-keys': [] }], 'roles[0].chain[0].transitive-tag-keys: expected a list of non-empty strings'],
    ['an empty transitive key', [{ role: HUB, tags: { A: '1' }, 'transitive-tag-keys': ['A', ''] }], 'roles[0].chain[0].transitive-tag-keys: expected a list of non-empty strings'],
    ['a transitive key that is not text', [{ role: HUB, tags: { A: '1' }, 'transitive-tag-keys': ['A', 1] }], 'roles[0].chain[0].transitive-tag-keys: expected a list of non-empty strings'],
    ['an empty source identity', [{ role: HUB, 'source-identity': '' }], 'roles[0].chain[0].source-identity: expected a template such as {claims.repository_id}@{claims.run_id}, or none'],
    ['a source identity STS refuses', [{ role: HUB, 'source-identity': 'a b' }], 'roles[0].chain[0].source-identity: "a b" holds " ", which STS does not accept here'],
    ['a session policy that is a number', [{ role: HUB, 'session-policy': 5 }], 'roles[0].chain[0].session-policy: expected an IAM policy document (a map, or JSON text)'],
    ['a session policy that is a list', [{ role: HUB, 'session-policy': [{}] }], 'roles[0].chain[0].session-policy: expected an IAM policy document (a map, or JSON text)'],
    ['a session policy nested too deep', [{ role: HUB, 'session-policy': { a: JSON.parse(`${'['.repeat(32)}${']'.repeat(32)}`) as unknown } }], 'roles[0].chain[0].session-policy: nests more than 32 levels deep; an IAM policy needs a few'],
    ['managed policies that are not text', [{ role: HUB, 'managed-session-policies': [5] }], 'roles[0].chain[0].managed-session-policies: expected a list of non-empty strings'],
    ['a managed policy that is a role', [{ role: HUB, 'managed-session-policies': [TARGET] }], `roles[0].chain[0].managed-session-policies: "${TARGET}" is not an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess`],
  ])('refuses %s, naming the path', (_, value, message) => {
    expect(listError(value)).toBe(message);
  });
});

describe('the plan of a chain', () => {
  const claims = { repository: 'acme/api', run_id: '4242' };

  it('sends no managed policies to a hop before the last that declares none', () => {
    const handed = { inlineSessionPolicy: '{"p":1}', managedSessionPolicies: ['arn:aws:iam::aws:policy/A'] };
    const plan = planChain(parseChainInput(`${HUB}\n${TARGET}`), handed, claims, 'x1');
    expect(plan.hops.map((hop) => [hop.inlineSessionPolicy, hop.managedSessionPolicies])).toEqual([[undefined, []], ['{"p":1}', ['arn:aws:iam::aws:policy/A']]]);
  });

  it('keeps a source identity of 64 characters whole, and names the claim a template lacks', () => {
    const hops = (text: string) => parseChainInput(`${HUB} source-identity=${text}`);
    const exact = `${'s'.repeat(60)}{claims.run_id}`;
    expect(planChain(hops(exact), NO_POLICIES, claims, 'x1').sourceIdentity).toEqual({ value: `${'s'.repeat(60)}4242`, declared: true });
    expect(planChain(hops(`x{claims.run_id}`), NO_POLICIES, claims, 'x1').sourceIdentity).toEqual({ value: 'x4242', declared: true });
    expect(() => planChain(hops('{claims.sha}'), NO_POLICIES, claims, 'x1')).toThrow('hop 1, source-identity: the token has no sha claim (or it is not text)');
  });
});

describe('what a hop option may hold, from its first character to its last', () => {
  it('refuses a tag key, external id or source identity with a character STS refuses at either end', () => {
    expect(lineError(`${HUB} tags=!A=v`)).toMatch(/the tag key "!A" is not 1 to 128 letters/);
    expect(() => parseChainInput(`${HUB} external-id=!acme`)).toThrow(ChainSyntaxError);
    expect(() => parseChainInput(`${HUB} external-id=acme!`)).toThrow(ChainSyntaxError);
    expect(() => parseChainInput(`${HUB} source-identity=!ci-run`)).toThrow(ChainSyntaxError);
    expect(() => parseChainInput(`${HUB} source-identity=ci-run!`)).toThrow(ChainSyntaxError);
  });

  it('refuses a template naming a claim that starts or ends with a character no claim name has', () => {
    expect(() => parseChainInput(`${HUB} source-identity={claims.!run_id}`)).toThrow(ChainSyntaxError);
    expect(() => parseChainInput(`${HUB} source-identity={claims.run_id!}`)).toThrow(ChainSyntaxError);
  });
});
