// Orb parameters that name variables of the job's environment: the grammar ($NAME, ${NAME},
// $$), its errors, and which parameters expand. End to end: test/e2e/orb-parameters.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { ExpansionError, expandVariables } from '../../src/core/config/variable-expansion.js';
import { orbInputSource, withExpansionNote } from '../../src/platform/circleci/inputs.js';
import { runs } from '../fuzz/budget.ts';

const ENV = { DEPLOY_ROLE: 'arn:aws:iam::123456789012:role/deploy', AWS_REGION: 'eu-west-1', EMPTY: '', DOLLAR: 'a$b', _x1: 'y' };
const expand = (text: string) => expandVariables(text, { lookup: (name) => (ENV as Record<string, string | undefined>)[name] });

function problemOf(text: string) {
  try {
    expand(text);
  } catch (error) {
    if (error instanceof ExpansionError) return error.problem;
    throw error;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('expandVariables', () => {
  it.each([
    ['${DEPLOY_ROLE}', ENV.DEPLOY_ROLE],
    ['$AWS_REGION', 'eu-west-1'],
    ['$AWS_REGION-x', 'eu-west-1-x'],
    ['${AWS_REGION}1', 'eu-west-11'],
    ['arn:aws:iam::123456789012:role/${AWS_REGION}-deploy', 'arn:aws:iam::123456789012:role/eu-west-1-deploy'],
    ['$_x1$AWS_REGION', 'yeu-west-1'],
    ['cost $$5', 'cost $5'],
    ['$$AWS_REGION', '$AWS_REGION'],
    // One pass: a value's own $ stays.
    ['$DOLLAR', 'a$b'],
    ['no variables', 'no variables'],
  ])('%s → %s', (text, value) => {
    expect(expand(text)).toBe(value);
  });

  it.each([
    ['$', { kind: 'syntax', at: 0 }],
    ['a$ b', { kind: 'syntax', at: 1 }],
    ['${AWS_REGION', { kind: 'syntax', at: 0 }],
    ['${AWS_REGION:-us-east-1}', { kind: 'syntax', at: 0 }],
    ['$1abc', { kind: 'syntax', at: 0 }],
    ['$(id)', { kind: 'syntax', at: 0 }],
    ['`id`$', { kind: 'syntax', at: 4 }],
    ['${MISSING}', { kind: 'unset', variable: 'MISSING' }],
    ['x$EMPTY', { kind: 'empty', variable: 'EMPTY' }],
  ])('refuses %s', (text, problem) => {
    expect(problemOf(text)).toEqual(problem);
  });

  it('gives back any text whose $ are written $$, and runs nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('$', '{', '}', 'a', 'Z', '_', '1', '`', '(', ')', ' ', ';', '\\', '\n') }), (text) => {
        expect(expand(text.replaceAll('$', () => '$$'))).toBe(text);
      }),
      runs(500),
    );
  });

  it('puts each variable\'s value in place, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string().map((text) => text.replaceAll('$', '')), fc.string({ minLength: 1 })), { maxLength: 5 }), (parts) => {
        const env = Object.fromEntries(parts.map(([, value], index) => [`V${index}`, value]));
        const template = parts.map(([literal], index) => `${literal}\${V${index}}`).join('');
        expect(expandVariables(template, { lookup: (name) => env[name] })).toBe(parts.map(([literal, value]) => literal + value).join(''));
      }),
      runs(300),
    );
  });
});

describe('orb parameters from the job\'s environment', () => {
  const job = { CIRCLE_ORGANIZATION_ID: 'org-uuid', DEPLOY_ROLE: ENV.DEPLOY_ROLE, AWS_REGION: 'eu-west-1', CHAIN: 'arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b', CIRCLE_OIDC_TOKEN_V2: 'eyJ.secret.token' };

  function settingsError(env: Record<string, string>): ClaimcheckError {
    try {
      parseSettings(orbInputSource({ ...job, ...env }));
    } catch (error) {
      if (error instanceof ClaimcheckError) return withExpansionNote(error, { ...job, ...env });
      throw error;
    }
    throw new Error('expected the parameters to be refused');
  }

  it('expands role_to_assume, aws_region, role_chain, issuer and the other parameters that name things', () => {
    const settings = parseSettings(orbInputSource({
      ...job,
      CLAIMCHECK_ROLE_TO_ASSUME: '${DEPLOY_ROLE}',
      CLAIMCHECK_AWS_REGION: '$AWS_REGION',
      CLAIMCHECK_ROLE_CHAIN: '$CHAIN',
      CLAIMCHECK_ISSUER: 'https://oidc.circleci.com/org/${CIRCLE_ORGANIZATION_ID}',
      CLAIMCHECK_AUDIENCE: '$CIRCLE_ORGANIZATION_ID',
      CLAIMCHECK_PROFILE_NAME: 'ci-$AWS_REGION',
    }));
    expect(settings).toMatchObject({ issuer: 'https://oidc.circleci.com/org/org-uuid', audience: 'org-uuid', aws: { roleArn: { arn: ENV.DEPLOY_ROLE }, region: 'eu-west-1', audience: 'org-uuid', awsProfile: 'ci-eu-west-1' } });
    expect(settings.aws!.roleChain.map((hop) => hop.roleArn.name)).toEqual(['a', 'b']);
  });

  it('never expands claims rules or the inline session policy', () => {
    const settings = parseSettings(orbInputSource({
      ...job,
      CLAIMCHECK_ROLE_TO_ASSUME: ENV.DEPLOY_ROLE,
      CLAIMCHECK_AWS_REGION: 'us-east-1',
      CLAIMCHECK_CLAIMS: 'oidc.circleci.com/vcs-ref=$AWS_REGION',
      CLAIMCHECK_INLINE_SESSION_POLICY: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}]}',
    }));
    expect(settings.rules.map((rule) => rule.source)).toEqual(['oidc.circleci.com/vcs-ref=$AWS_REGION']);
    expect(settings.aws!.inlineSessionPolicy).toContain('${aws:username}');
  });

  it('names the parameter and the variable when the variable is not set or empty', () => {
    const unset = settingsError({ CLAIMCHECK_ROLE_TO_ASSUME: '${DEPLOY_ROLE_PROD}', CLAIMCHECK_AWS_REGION: 'us-east-1' });
    expect([unset.code, unset.message]).toEqual(['INPUT_INVALID', 'Parameter role_to_assume names ${DEPLOY_ROLE_PROD}, which is not set in this job.']);
    expect(unset.hint).toMatch(/^Set DEPLOY_ROLE_PROD in the job's environment or in a context the job uses/);
    const empty = settingsError({ CLAIMCHECK_ROLE_TO_ASSUME: ENV.DEPLOY_ROLE, CLAIMCHECK_AWS_REGION: '$AWS_REGION', AWS_REGION: '' });
    expect(empty.message).toBe('Parameter aws_region names ${AWS_REGION}, which is empty in this job.');
  });

  it('says where a value that does not parse came from', () => {
    const error = settingsError({ CLAIMCHECK_ROLE_TO_ASSUME: '${AWS_REGION}', CLAIMCHECK_AWS_REGION: 'us-east-1' });
    expect(error.message).toBe('Input role-to-assume is "eu-west-1", which is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy. (role_to_assume is "${AWS_REGION}" in the job\'s configuration, expanded from its environment)');
  });

  it('refuses a $ that starts no variable, and the job\'s token', () => {
    expect(settingsError({ CLAIMCHECK_ROLE_TO_ASSUME: '$(cat /etc/passwd)', CLAIMCHECK_AWS_REGION: 'us-east-1' }).message).toBe(
      'Parameter role_to_assume is "$(cat /etc/passwd)", whose $ at character 1 starts no variable: the orb expands $NAME and ${NAME} from the job\'s environment.',
    );
    const token = settingsError({ CLAIMCHECK_ROLE_TO_ASSUME: ENV.DEPLOY_ROLE, CLAIMCHECK_AWS_REGION: 'us-east-1', CLAIMCHECK_ROLE_SESSION_NAME: '$CIRCLE_OIDC_TOKEN_V2' });
    expect(token.message).toBe('Parameter role_session_name names ${CIRCLE_OIDC_TOKEN_V2}, a secret CircleCI does not mask; the orb does not expand it.');
    expect(token.message).not.toContain('secret.token');
  });
});
