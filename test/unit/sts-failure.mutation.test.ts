// What each STS failure means, pinned case by case: which failures are retried (transient,
// key-fetch, expired-token) and which stop the run, the error code and the start of the
// message a user reads (docs/TROUBLESHOOTING.md quotes them), and the fix each hint names.
// The end-to-end suites meet these through a fake STS; here every branch is reached directly.
import { describe, expect, it } from 'vitest';
import { parseRoleArn, type RoleArn } from '../../src/core/aws/arn.js';
import { classifyStsFailure, explainChainFailure, explainStsExhausted, explainStsFailure, presentedClaims, type ChainHopSent, type StsFailure, type StsFailureContext } from '../../src/core/aws/sts-failure.js';

const failure = (code: string, message = 'm', status?: number, requestId?: string): StsFailure => ({ code, message, status, requestId });

const ROLE = parseRoleArn('arn:aws:iam::123456789012:role/deploy') as RoleArn;
const GITHUB = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

const context: StsFailureContext = {
  roleArn: ROLE,
  issuer: GITHUB,
  audience: 'sts.amazonaws.com',
  endpoint: 'https://sts.us-east-1.amazonaws.com',
  claims: { sub: 'repo:acme/api:ref:refs/heads/dev', aud: 'sts.amazonaws.com', repository: 'acme/api', ref: 'refs/heads/dev' },
};

describe('which STS failures are retried', () => {
  it.each([
    ['an unknown code with a 5xx status', failure('SomethingNew', 'x', 500), 'transient'],
    ['an unknown code with a 4xx status', failure('SomethingNew', 'x', 499), 'permanent'],
    ['an unknown code with no response', failure('SomethingNew', 'x'), 'permanent'],
    ['an unreadable response', failure('Deserialization', 'unreadable response (<html>)'), 'transient'],
    ['a 4xx answer that names Deserialization', failure('Deserialization', 'x', 400), 'permanent'],
    ['a key fetch failure under another code', failure('IDPRejectedClaim', "Couldn't retrieve verification key from your identity provider", 400), 'permanent'],
    ['a key fetch failure, as AWS words it', failure('InvalidIdentityToken', 'Unable to retrieve verification key from your identity provider', 400), 'key-fetch'],
    ['an expired token, even with a 5xx status', failure('ExpiredTokenException', 'Token expired', 500), 'expired-token'],
  ] as const)('%s is %s', (_, input, kind) => {
    expect(classifyStsFailure(input)).toBe(kind);
  });

  it.each(['IDPCommunicationError', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException'])(
    'the service code %s is transient, whatever the status',
    (code) => {
      expect(classifyStsFailure(failure(code, 'x', 400))).toBe('transient');
    },
  );

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'TimeoutError', 'AbortError', 'NetworkError'])('the network fault %s is transient', (code) => {
    expect(classifyStsFailure(failure(code))).toBe('transient');
  });
});

describe('the claims presented', () => {
  it('lists the claims trust policies match on, in a fixed order, and only those the token has', () => {
    const claims = {
      'oidc.circleci.com/vcs-ref': 'refs/heads/main',
      actor: 'octocat',
      environment: 'prod',
      sub: 's',
      'oidc.circleci.com/project-id': 'p1',
      job_workflow_ref: 'acme/api/.github/workflows/d.yml@refs/heads/main',
      iss: 'https://i',
      aud: ['a', 'b'],
      repository: 'acme/api',
    };
    expect(presentedClaims(claims)).toBe(
      'sub="s", aud="[\\"a\\",\\"b\\"]", iss="https://i", repository="acme/api", environment="prod", job_workflow_ref="acme/api/.github/workflows/d.yml@refs/heads/main", oidc.circleci.com/project-id="p1", oidc.circleci.com/vcs-ref="refs/heads/main"',
    );
    expect(presentedClaims({ actor: 'octocat' })).toBe('');
  });
});

describe('the error for each refusal of AssumeRoleWithWebIdentity', () => {
  it('AccessDenied: the role, the claims presented, and the AWS code, message and request ID', () => {
    const error = explainStsFailure(failure('AccessDenied', 'Not authorized', 403, 'req-9'), context);
    expect(error.code).toBe('STS_ACCESS_DENIED');
    expect(error.message).toBe(
      `STS refused to let this token assume ${ROLE.arn}: the role's trust policy does not accept the claims presented (sub="repo:acme/api:ref:refs/heads/dev", aud="sts.amazonaws.com", repository="acme/api", ref="refs/heads/dev") (AccessDenied: Not authorized, request ID req-9).`,
    );
    expect(explainStsFailure(failure('AccessDenied', 'Not authorized', 403), context).message).toMatch(/ \(AccessDenied: Not authorized\)\.$/);
  });

  it('AccessDenied: the hint names the provider and how to find the refusing condition', () => {
    const { hint } = explainStsFailure(failure('AccessDenied', 'Not authorized', 403), context);
    expect(hint).toMatch(new RegExp(`^Check that the role exists and that its trust policy allows "Federated": "${PROVIDER}" with the condition `));
    expect(hint).toContain('save aws iam get-role --role-name deploy to a file and run claimcheck explain --trust-policy <file>');
  });

  it.each([
    ['InvalidIdentityToken', 'Invalid token'],
    ['IDPRejectedClaim', 'Rejected claim'],
  ])('%s: STS_TOKEN_REJECTED, pointing at the IAM OIDC provider', (code, message) => {
    const error = explainStsFailure(failure(code, message, 400), context);
    expect(error.code).toBe('STS_TOKEN_REJECTED');
    expect(error.message).toBe(`STS rejected the OIDC token (${code}: ${message}).`);
    expect(error.hint).toBe(`Check the IAM OIDC provider ${PROVIDER}: it must exist and list "sts.amazonaws.com" as a client ID (audience).`);
  });

  it('ExpiredTokenException: STS_TOKEN_REJECTED, pointing at the clock', () => {
    const error = explainStsFailure(failure('ExpiredTokenException', 'Token expired', 400, 'req-2'), context);
    expect(error.code).toBe('STS_TOKEN_REJECTED');
    expect(error.message).toBe('STS says the token has expired (ExpiredTokenException: Token expired, request ID req-2), even after a fresh token was requested.');
    expect(error.hint).toMatch(/clock/);
  });

  it('RegionDisabledException: STS_REGION_DISABLED, naming the account and aws-region', () => {
    const error = explainStsFailure(failure('RegionDisabledException', 'x', 403), context);
    expect(error.code).toBe('STS_REGION_DISABLED');
    expect(error.message).toBe('STS is not activated in this region for account 123456789012 (RegionDisabledException: x).');
    expect(error.hint).toMatch(/aws-region/);
  });

  it.each(['MalformedPolicyDocument', 'PackedPolicyTooLarge'])('%s: STS_INVALID_REQUEST, naming the session policy inputs', (code) => {
    const error = explainStsFailure(failure(code, 'x', 400), context);
    expect(error.code).toBe('STS_INVALID_REQUEST');
    expect(error.message).toBe(`STS rejected the session policy (${code}: x).`);
    expect(error.hint).toMatch(/inline-session-policy or managed-session-policies/);
  });

  it('ValidationError: STS_INVALID_REQUEST, the hint naming the input at fault when the message does', () => {
    const hintFor = (message: string) => explainStsFailure(failure('ValidationError', message, 400), context).hint;
    const error = explainStsFailure(failure('ValidationError', 'x', 400), context);
    expect(error.code).toBe('STS_INVALID_REQUEST');
    expect(error.message).toBe('STS rejected the request (ValidationError: x).');
    expect(error.hint).not.toBe('');
    expect(error.hint).not.toMatch(/role-duration-seconds|role-session-name/);
    expect(hintFor('DurationSeconds exceeds the MaxSessionDuration set for this role')).toMatch(/^Lower role-duration-seconds/);
    expect(hintFor("1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint")).toMatch(/^Set role-session-name to 2 to 64 characters/);
  });

  it('any other code: STS_INVALID_REQUEST, with the role and the AWS message', () => {
    const error = explainStsFailure(failure('SomethingNew', 'x', 400), context);
    expect(error.code).toBe('STS_INVALID_REQUEST');
    expect(error.message).toBe(`STS refused AssumeRoleWithWebIdentity for ${ROLE.arn} (SomethingNew: x).`);
    expect(error.hint).not.toBe('');
  });

  it('a token rejected for its audience or for a missing provider gets its own fix', () => {
    expect(explainStsFailure(failure('InvalidIdentityToken', 'Incorrect token audience'), context).hint).toBe(`Add "sts.amazonaws.com" as a client ID (audience) of the IAM OIDC provider ${PROVIDER}, or set audience to one it lists.`);
    expect(explainStsFailure(failure('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${GITHUB}`), context).hint).toBe(
      `Create an IAM OIDC provider for ${GITHUB} with client ID "sts.amazonaws.com" in account 123456789012.`,
    );
  });
});

describe('the condition the AccessDenied hint suggests', () => {
  const denied = failure('AccessDenied', 'Not authorized', 403);
  const hintFor = (claims: Record<string, unknown>, issuer = GITHUB) => explainStsFailure(denied, { ...context, issuer, claims }).hint;
  const bySubject = (sub: string, prefix = 'token.actions.githubusercontent.com') =>
    `the condition ${JSON.stringify({ StringEquals: { [`${prefix}:aud`]: 'sts.amazonaws.com', [`${prefix}:sub`]: sub } })} (or a StringLike pattern that covers it)`;

  it('pins the repository id and the ref on GitHub provider keys, never the legacy subject by name', () => {
    const hint = hintFor({ sub: 'repo:acme/api:ref:refs/heads/dev', repository_id: '123', ref: 'refs/heads/dev' });
    const byKeys = `the condition {"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:repository_id":"123","token.actions.githubusercontent.com:ref":"refs/heads/dev"}}, which AWS evaluates on the token's own claims`;
    expect(hint).toContain(` with ${byKeys}. To see`);
    expect(hint).not.toContain(':sub"');
  });

  it('falls back to sub when a key to pin is missing or is not text', () => {
    const sub = 'repo:acme/api:ref:refs/heads/dev';
    expect(hintFor({ sub, repository_id: '123' })).toContain('"token.actions.githubusercontent.com:repository_id":"123","token.actions.githubusercontent.com:sub":"repo:acme/api:ref:refs/heads/dev"}}');
    expect(hintFor({ sub, repository_id: 123, ref: 'refs/heads/dev' })).toContain(` with ${bySubject(sub)}. To see`);
    expect(hintFor({ sub, repository_id: '123', ref: 'refs/heads/dev', environment: 42 })).toContain('"token.actions.githubusercontent.com:ref":"refs/heads/dev"');
  });

  it('uses sub for an issuer AWS has no provider keys for', () => {
    expect(hintFor({ sub: 'system:serviceaccount:ci:deployer', repository_id: '123', ref: 'x' }, 'https://issuer.example')).toContain(` with ${bySubject('system:serviceaccount:ci:deployer', 'issuer.example')}. To see`);
  });

  it('suggests an empty subject when the token has no text sub', () => {
    expect(hintFor({ sub: 7 }, 'https://issuer.example')).toContain(` with ${bySubject('', 'issuer.example')}. To see`);
  });

  it("speaks of GitHub's immutable subject only for a token that has it", () => {
    const legacy = hintFor({ sub: 'repo:acme/api:ref:refs/heads/dev', repository_id: '123', repository_owner_id: '9', ref: 'refs/heads/dev' });
    expect(legacy).not.toContain('immutable subject');
    const noIds = hintFor({ sub: 'repo:acme@9/api@123:ref:refs/heads/dev', repository_id: '123', ref: 'refs/heads/dev' });
    expect(noIds).toContain("This repository has GitHub's immutable subject");
  });
});

describe('exhausted retries', () => {
  it('says "attempt" for one, and always names what to check', () => {
    const error = explainStsExhausted(failure('Throttling', 'Rate exceeded', 400), 1, 250, 'https://sts.example');
    expect(error.message).toBe('STS at https://sts.example did not succeed after 1 attempt over 0.3 s; the last failure was Throttling: Rate exceeded.');
    expect(error.hint).toMatch(/re-run the job.*retry-max-attempts/);
  });
});

describe('the error for each refusal of a chained AssumeRole', () => {
  const SESSION = 'arn:aws:sts::111122223333:assumed-role/deploy/s';
  const TARGET = parseRoleArn('arn:aws:iam::333344445555:role/target') as RoleArn;
  const nothing: ChainHopSent = { tagKeys: [], inheritsTags: false, sourceIdentity: undefined, externalId: false };
  const explain = (input: StsFailure, sent: ChainHopSent = nothing) => explainChainFailure(input, TARGET, SESSION, sent);

  it('a chained session longer than an hour', () => {
    for (const message of ['The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 'role chaining limits sessions']) {
      const error = explain(failure('ValidationError', message, 400));
      expect(error.code).toBe('STS_INVALID_REQUEST');
      expect(error.message).toBe(`STS refused a chained session longer than 1 hour (ValidationError: ${message}).`);
      expect(error.hint).toMatch(/at most 3600/);
    }
  });

  it('another validation error, or the same words under another code, is the generic refusal', () => {
    for (const input of [failure('ValidationError', 'bad external id', 400), failure('SomethingNew', 'role chaining, 1 hour', 400)]) {
      const error = explain(input);
      expect(error.code).toBe('STS_INVALID_REQUEST');
      expect(error.message).toBe(`STS refused AssumeRole for ${TARGET.arn} in the role chain (${input.code}: ${input.message}).`);
      expect(error.hint).not.toBe('');
    }
  });

  it.each(['MalformedPolicyDocument', 'PackedPolicyTooLarge'])('%s: the session policies or tags of the hop', (code) => {
    const error = explain(failure(code, 'x', 400));
    expect(error.code).toBe('STS_INVALID_REQUEST');
    expect(error.message).toBe(`STS refused the session policies or tags sent to ${TARGET.arn} in the role chain (${code}: x).`);
    expect(error.hint).not.toBe('');
  });

  it('AccessDenied reads the refused action with or without the colon and space', () => {
    for (const message of ['User: x is not authorized to perform sts:TagSession on resource: y', 'User: x is not authorized to perform:sts:TagSession on resource: y']) {
      expect(explain(failure('AccessDenied', message, 403), { ...nothing, tagKeys: ['Team'] }).message).toContain('lacks sts:TagSession (this hop sets the session tags Team)');
    }
  });

  it('AccessDenied on sts:SetSourceIdentity without a known source identity', () => {
    const error = explain(failure('AccessDenied', 'is not authorized to perform: sts:SetSourceIdentity on resource: y', 403));
    expect(error.code).toBe('STS_ACCESS_DENIED');
    expect(error.message).toContain('lacks sts:SetSourceIdentity (this hop sets it to a value)');
    expect(error.hint).toContain('the action sts:SetSourceIdentity, not only sts:AssumeRole, and the permissions of arn:aws:iam::111122223333:role/deploy must allow sts:SetSourceIdentity');
  });

  it('AccessDenied that names no action is a refused sts:AssumeRole, which the failure report recognises by " in the role chain "', () => {
    const error = explain(failure('AccessDenied', 'Access denied', 403, 'req-7'));
    expect(error.code).toBe('STS_ACCESS_DENIED');
    expect(error.message).toBe(`STS refused to let ${SESSION} assume ${TARGET.arn} in the role chain (AccessDenied: Access denied, request ID req-7).`);
    expect(error.hint).toContain('to sts:AssumeRole, and the permissions of');
    expect(explain(failure('AccessDenied', 'Access denied', 403), { ...nothing, inheritsTags: true }).hint).toContain('it must also allow sts:TagSession (this hop carries session tags)');
  });
});
