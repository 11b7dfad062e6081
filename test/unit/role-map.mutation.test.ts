// Which role a token gets (src/core/rules/role-map.ts): what the target carries when role-to-assume or
// a role map entry decides, and the refusal when no entry matches.
import { describe, expect, it } from 'vitest';
import { parseRoleArn, type RoleArn } from '../../src/core/aws/arn.js';
import { parseChainInput } from '../../src/core/aws/chain.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { chooseRole } from '../../src/core/aws/role-map.js';
import type { RoleEntry } from '../../src/core/rules/rules-file.js';
import { parseClaimRules } from '../../src/core/rules/rules.js';

const role = (arn: string) => parseRoleArn(arn) as RoleArn;
const DEPLOY = role('arn:aws:iam::111122223333:role/deploy');
const entry = (name: string, rules: string, extra: Partial<RoleEntry> = {}): RoleEntry => ({
  name,
  roleArn: role(`arn:aws:iam::111122223333:role/${name}`),
  rules: parseClaimRules(rules),
  durationSeconds: undefined,
  sessionPolicy: undefined,
  ...extra,
});
const claims = { repository: 'acme/api', ref: 'refs/heads/main' };

describe('chooseRole', () => {
  it('takes role-to-assume as it is: no chain unless the input gives one, no entry, no rules', () => {
    expect(chooseRole({ roleArn: DEPLOY, roleMap: [], durationSeconds: 900, inlineSessionPolicy: '{}' }, claims)).toEqual({
      roleArn: DEPLOY,
      durationSeconds: 900,
      inlineSessionPolicy: '{}',
      chain: [],
      entry: undefined,
      rules: [],
    });
  });

  it('gives a matching entry the defaults it does not set, and no chain when neither declares one', () => {
    const target = chooseRole({ roleArn: undefined, roleMap: [entry('other', 'ref=refs/tags/*'), entry('main', 'ref=refs/heads/main')], durationSeconds: 1800, inlineSessionPolicy: undefined }, claims);
    expect(target).toMatchObject({ roleArn: { name: 'main' }, durationSeconds: 1800, inlineSessionPolicy: undefined, chain: [], entry: 'main' });
    expect(target.rules.map((result) => [result.rule.source, result.held])).toEqual([['ref=refs/heads/main', true]]);
  });

  it('gives an entry without a chain the role-chain input\'s, and keeps an entry\'s own', () => {
    const input = parseChainInput('arn:aws:iam::222233334444:role/hub');
    const own = parseChainInput('arn:aws:iam::333344445555:role/target');
    const defaults = { roleArn: undefined, durationSeconds: 3600, inlineSessionPolicy: undefined, roleChain: input };
    expect(chooseRole({ ...defaults, roleMap: [entry('main', 'ref=refs/heads/main')] }, claims).chain).toBe(input);
    expect(chooseRole({ ...defaults, roleMap: [entry('main', 'ref=refs/heads/main', { chain: own })] }, claims).chain).toBe(own);
  });

  it('refuses a token no entry matches, saying entry by entry which rule stopped it, with a hint', () => {
    let error: unknown;
    try {
      chooseRole({ roleArn: undefined, roleMap: [entry('tags', 'ref=refs/tags/*'), entry('prod', 'repository=acme/api\nenvironment=prod')], durationSeconds: 3600, inlineSessionPolicy: undefined }, claims);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({
      code: 'ROLE_NO_MATCH',
      message: 'No entry of the role map matches this token: tags: ref is "refs/heads/main", rule ref=refs/tags/*; prod: no environment claim, rule environment=prod.',
      hint: expect.stringMatching(/^Entries are tried in order/),
    });
  });
});
