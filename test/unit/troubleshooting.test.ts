import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../src/core/aws/arn.js';
import { asClaimcheckError } from '../../src/core/errors.js';
import { chooseRole } from '../../src/core/aws/role-map.js';
import { checkClaimRules, parseClaimRules, ruleFailure } from '../../src/core/rules/rules.js';
import { assertAccountAllowed } from '../../src/core/aws/settings.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { explainStsExhausted, explainStsFailure } from '../../src/core/aws/sts-failure.js';
import { explainEntraExhausted, explainEntraFailure, networkFailure, readEntraError } from '../../src/core/azure/entra-failure.js';
import { REPO_ROOT } from '../harness/github.ts';
import { refusalOf } from '../harness/refusal.ts';

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

  const errorOf = refusalOf;

  it('begin the way the real messages begin', () => {
    const role = parseRoleArn('arn:aws:iam::123456789012:role/deploy')!;
    const context = { roleArn: role, issuer: 'https://i', audience: 'a', claims: { sub: 's' }, endpoint: 'https://sts' };
    const failure = (code: string, message: string) => ({ code, message, status: 400, requestId: undefined });
    const rules = parseClaimRules('ref=main');
    const entra = { clientId: '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d', tenantId: 'acme.onmicrosoft.com', endpoint: 'https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/token', claims: { iss: 'https://i', sub: 'repo:a/b:ref:refs/heads/main', aud: 'api://AzureADTokenExchange', exp: 1 } };
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
      ...[700213, 7002138, 700211, 700212, 70021, 700024, 700016, 90002, 70011].map((code) => explainEntraFailure(readEntraError(400, { error_description: `AADSTS${code}: x`, error_codes: [code] }), entra)),
      explainEntraFailure(readEntraError(400, { error_codes: [700213] }), { ...entra, claims: { ...entra.claims, sub: 'repo:a@1/b@2:ref:refs/heads/main' } }),
      explainEntraExhausted(networkFailure('ECONNRESET'), 3, 1000, entra),
    ];
    for (const error of errors) {
      const start = fixedStart(error.code);
      expect([error.code, error.message.includes(start)]).toEqual([error.code, true]);
      expect(start.length).toBeGreaterThan(0);
    }
  });
});
