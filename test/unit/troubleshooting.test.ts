import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../src/core/aws/arn.js';
import { asClaimcheckError, ClaimcheckError } from '../../src/core/errors.js';
import { chooseRole } from '../../src/core/aws/role-map.js';
import { checkClaimRules, parseClaimRules, ruleFailure } from '../../src/core/rules/rules.js';
import { assertAccountAllowed } from '../../src/core/aws/settings.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { explainStsExhausted, explainStsFailure } from '../../src/core/aws/sts-failure.js';
import { REPO_ROOT } from '../harness/github.ts';

const page = readFileSync(join(REPO_ROOT, 'docs/TROUBLESHOOTING.md'), 'utf8');
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const errorCodes = [...readFileSync(join(REPO_ROOT, 'src/core/errors.ts'), 'utf8').matchAll(/\| '([A-Z_]+)'/g)].map((match) => match[1] as string);
const orbCodes = [...readFileSync(join(REPO_ROOT, 'orb/src/scripts/run_claimcheck.sh'), 'utf8').matchAll(/echo "([A-Z_]+):/g), ...readFileSync(join(REPO_ROOT, 'orb/src/scripts/launch.mjs'), 'utf8').matchAll(/fail\('([A-Z_]+)'/g)].map((match) => match[1] as string);

describe('docs/TROUBLESHOOTING.md', () => {
  it('has a section headed by the message of every error code', () => {
    expect(errorCodes.length).toBeGreaterThan(20);
    expect(orbCodes).toEqual(expect.arrayContaining(['NODE_MISSING', 'BUNDLE_CHECKSUM']));
    for (const code of [...errorCodes, ...orbCodes]) {
      expect([code, page.includes(`## ${code}: `) || page.includes(`Also \`${code}:`)]).toEqual([code, true]);
    }
  });

  it('is linked from the README\'s error table for every code', () => {
    for (const code of errorCodes) expect([code, readme.includes(`docs/TROUBLESHOOTING.md#${code.toLowerCase()}`)]).toEqual([code, true]);
  });
});

describe('the headings', () => {
  const headings = new Map([...page.matchAll(/^## ([A-Z_]+): (.*)$/gm)].map((match) => [match[1] as string, match[2] as string]));
  /** The heading's first fixed text: the first part outside the backticked, varying parts. */
  const fixedStart = (code: string) => (headings.get(code) ?? '').split('`').find((part, index) => index % 2 === 0 && part.trim() !== '') ?? '';

  function errorOf(run: () => unknown): ClaimcheckError {
    try {
      run();
    } catch (error) {
      if (error instanceof ClaimcheckError) return error;
      throw error;
    }
    throw new Error('expected an error');
  }

  it('begin the way the real messages begin', () => {
    const role = parseRoleArn('arn:aws:iam::123456789012:role/deploy')!;
    const context = { roleArn: role, issuer: 'https://i', audience: 'a', claims: { sub: 's' }, endpoint: 'https://sts' };
    const failure = (code: string, message: string) => ({ code, message, status: 400, requestId: undefined });
    const rules = parseClaimRules('ref=main');
    const results = checkClaimRules(rules, { ref: 'dev' });
    const errors = [
      errorOf(() => parseSettings(() => undefined)),
      errorOf(() => parseSettings((name) => ({ 'role-to-assume': 'nope', 'aws-region': 'us-east-1' })[name as string])),
      ruleFailure(results[0]!, results),
      errorOf(() => chooseRole({ roleArn: undefined, roleMap: [{ name: 'x', roleArn: role, rules, durationSeconds: undefined, sessionPolicy: undefined }], durationSeconds: 900, inlineSessionPolicy: undefined }, {})),
      explainStsFailure(failure('AccessDenied', 'Not authorized'), context),
      explainStsFailure(failure('InvalidIdentityToken', 'Incorrect token audience'), context),
      explainStsFailure(failure('ValidationError', 'x'), context),
      explainStsFailure(failure('RegionDisabledException', 'x'), context),
      explainStsExhausted(failure('Throttling', 'x'), 3, 1000, 'https://sts'),
      errorOf(() => assertAccountAllowed(['111122223333'], '123456789012', 'role-to-assume')),
      asClaimcheckError(new Error('boom')),
    ];
    for (const error of errors) {
      const start = fixedStart(error.code);
      expect([error.code, error.message.includes(start)]).toEqual([error.code, true]);
      expect(start.length).toBeGreaterThan(0);
    }
  });
});
