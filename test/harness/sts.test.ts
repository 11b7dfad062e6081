// The STS double must be trustworthy: real clients (the AWS SDK, Debian's awscli) talk to it
// and it must accept what real STS accepts and refuse what real STS refuses.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AssumeRoleWithWebIdentityCommandInput, Credentials, STSClientConfig } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, githubClaims, startIssuer } from './issuer.ts';
import type { Claims, SignOptions, TestIssuer } from './issuer.ts';
import { verifySigV4 } from './sigv4.ts';
import { startSts } from './sts.ts';
import type { ConditionKeyFamily, StsDouble, StsFault, StsRole } from './sts.ts';
import { providerContext, webIdentityRequest } from './sts-context.ts';
import { evaluateTrustPolicy, federatedTrustPolicy } from './trust-policy.ts';
import type { ConditionBlock, TrustRequest } from './trust-policy.ts';
import { DEPLOY_ROLE, startGithubWorld } from './world.ts';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const CHAINED = 'arn:aws:iam::111122223333:role/team/chained';
const AWS_CLI = '/usr/bin/aws';

let issuer: TestIssuer;
let sts: StsDouble;
let clockOffsetMs = 0;

const policy = (statement: object) => ({ Version: '2012-10-17', Statement: [statement] });
const roles = (): StsRole[] => [
  { arn: ROLE, maxSessionDuration: 7200, trustPolicy: policy({
    Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${issuer.host}` }, Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${issuer.host}:sub`]: 'repo:acme/api:ref:refs/heads/main', [`${issuer.host}:aud`]: 'sts.amazonaws.com' } },
  }) },
  { arn: CHAINED, trustPolicy: policy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'sts:AssumeRole' }) },
];

beforeAll(async () => {
  issuer = await startIssuer();
  const providers = [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }];
  sts = await startSts({ providers, roles: roles(), now: () => Date.now() + clockOffsetMs });
});
beforeEach(() => {
  clockOffsetMs = 0;
  sts.faults.length = 0;
  sts.setRoles(roles());
});
afterAll(async () => Promise.all([sts?.close(), issuer?.close()]));

const client = (config: STSClientConfig = {}) => new STSClient({ region: 'us-east-1', endpoint: sts.url, maxAttempts: 1, ...config });
const signedClient = (c: Credentials, config: STSClientConfig = {}) =>
  client({ credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, ...config });

async function assume(claims: Claims = {}, sign: SignOptions = {}, input: Partial<AssumeRoleWithWebIdentityCommandInput> = {}, config: STSClientConfig = {}) {
  const token = await issuer.sign(githubClaims(claims), sign);
  return client(config).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: token, ...input }));
}
const credentials = async (): Promise<Credentials> => (await assume()).Credentials!;
type SdkError = Error & { $metadata: { httpStatusCode?: number } };
const failure = (promise: Promise<unknown>): Promise<SdkError> =>
  promise.then(() => { throw new Error('expected the call to fail'); }, (error: SdkError) => error);
/** A raw Query request, to see the wire format the SDK hides. */
const post = (body: string) => fetch(sts.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('AssumeRoleWithWebIdentity and signed calls with the AWS SDK', () => {
  it('issues credentials for a trusted token, and verifies the SDK signature on GetCallerIdentity', async () => {
    const out = await assume();
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/deploy/ci');
    expect(out.SubjectFromWebIdentityToken).toBe('repo:acme/api:ref:refs/heads/main');
    expect(out.Provider).toBe(`arn:aws:iam::111122223333:oidc-provider/${issuer.host}`);
    expect(out.Audience).toBe('sts.amazonaws.com');

    const me = await signedClient(out.Credentials!).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Arn: out.AssumedRoleUser?.Arn, Account: '111122223333', UserId: out.AssumedRoleUser?.AssumedRoleId });
    expect(me.UserId).toMatch(/^AROA[A-Z2-7]{17}:ci$/);
    expect(sts.calls.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status: 200, signedBy: out.Credentials?.AccessKeyId });
  });

  it('refuses bad signatures, unknown keys, missing tokens, expired credentials and unsigned calls', async () => {
    const c = await credentials();
    const wrongSecret = await failure(signedClient({ ...c, SecretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})));
    expect([wrongSecret.name, wrongSecret.$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const unknown = await failure(signedClient({ ...c, AccessKeyId: 'ASIAAAAAAAAAAAAAAAAA' }).send(new GetCallerIdentityCommand({})));
    expect([unknown.name, unknown.message]).toEqual(['InvalidClientTokenId', 'The security token included in the request is invalid.']);
    const noToken = await failure(client({ credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! } }).send(new GetCallerIdentityCommand({})));
    expect(noToken.name).toBe('InvalidClientTokenId');
    const unsigned = await post('Action=GetCallerIdentity&Version=2011-06-15');
    expect([unsigned.status, await unsigned.text()]).toEqual([403, expect.stringContaining('<Code>MissingAuthenticationToken</Code>')]);

    clockOffsetMs = 2 * 3600_000; // credentials (1 h) have expired; checked before the request's clock skew
    const expired = await failure(signedClient(c).send(new GetCallerIdentityCommand({})));
    expect([expired.name, expired.message, expired.$metadata.httpStatusCode]).toEqual(['ExpiredToken', 'The security token included in the request is expired', 403]);
  });

  it('chains roles with AssumeRole, limited to one hour and to roles that trust the caller', async () => {
    const chained = signedClient(await credentials());
    const out = await chained.send(new AssumeRoleCommand({ RoleArn: CHAINED, RoleSessionName: 'next' }));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/chained/next');
    const long = await failure(chained.send(new AssumeRoleCommand({ RoleArn: CHAINED, RoleSessionName: 'next', DurationSeconds: 7200 })));
    expect([long.name, long.message]).toEqual(['ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.']);
    const back = await failure(signedClient(out.Credentials!).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'back' })));
    expect([back.name, back.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect(back.message).toBe(`User: ${out.AssumedRoleUser?.Arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`);
    expect(sts.calls.at(-1)?.detail).toMatch(/^no statement allows sts:AssumeRole: Statement\[0\]: principal does not match/);
  });

  it.skipIf(!existsSync(AWS_CLI))(
    existsSync(AWS_CLI) ? 'awscli (/usr/bin/aws) get-caller-identity is accepted' : `SKIPPED: ${AWS_CLI} does not exist, awscli check not run`,
    async () => {
      const c = await credentials();
      const home = mkdtempSync(join(tmpdir(), 'sts-awscli-'));
      const { stdout } = await promisify(execFile)(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--output', 'json'], {
        timeout: 15_000,
        env: {
          PATH: '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken,
          AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
        },
      });
      expect(JSON.parse(stdout)).toMatchObject({ Arn: 'arn:aws:sts::111122223333:assumed-role/deploy/ci', Account: '111122223333' });
      expect(sts.calls.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status: 200, signedBy: c.AccessKeyId });
    },
  );
});

describe('AssumeRoleWithWebIdentity errors', () => {
  const notJwtAlgNone = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'x' })).toString('base64url')}.`;
  it.each([
    ['trust policy mismatch', () => assume({ sub: 'repo:acme/other:ref:refs/heads/main' }), 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    ['wrong audience', () => assume({ aud: 'someone-else' }), 'InvalidIdentityTokenException', 400, 'Incorrect token audience'],
    ['expired token', () => assume({}, { expiresIn: -60 }), 'ExpiredTokenException', 400, /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/],
    ['bad session name', () => assume({}, {}, { RoleSessionName: 'a b' }), 'ValidationError', 400,
      "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"],
    ['duration above the role maximum', () => assume({}, {}, { DurationSeconds: 7201 }), 'ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'],
    ['unknown issuer', () => assume({ iss: 'https://elsewhere.example' }), 'InvalidIdentityTokenException', 400, 'No OpenIDConnect provider found in your account for https://elsewhere.example'],
    ['unsigned token', () => assume({}, {}, { WebIdentityToken: notJwtAlgNone }), 'InvalidIdentityTokenException', 400, /./],
    ['unknown role', () => assume({}, {}, { RoleArn: 'arn:aws:iam::111122223333:role/nope' }), 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
  ] as const)('%s', async (_name, call, name, status, message) => {
    const error = await failure(call());
    expect([error.name, error.$metadata.httpStatusCode], sts.calls.at(-1)?.detail).toEqual([name, status]);
    expect(error.message).toMatch(message);
  });

  it('refuses tokens signed with keys the issuer no longer publishes', async () => {
    const old = await issuer.sign(githubClaims());
    await issuer.rotateKeys();
    const error = await failure(assume({}, {}, { WebIdentityToken: old }));
    expect(error.name).toBe('InvalidIdentityTokenException');
    await expect(assume()).resolves.toHaveProperty('Credentials'); // new keys are picked up at once
  });
});

describe('wire format', () => {
  it('answers Query requests with namespaced XML, escapes echoed values, and rejects unknown actions', async () => {
    const ok = await post(`Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${ROLE}&RoleSessionName=ci&WebIdentityToken=${await issuer.sign(githubClaims())}`);
    expect([ok.status, ok.headers.get('content-type')]).toEqual([200, 'text/xml']);
    expect(await ok.text()).toMatch(/^<AssumeRoleWithWebIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">[^]*<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    const bad = await post(`Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${ROLE}&RoleSessionName=%3Cx%26y%3E&WebIdentityToken=abcd`);
    expect([bad.status, await bad.text()]).toEqual([400, expect.stringContaining("Value '&lt;x&amp;y&gt;' at 'roleSessionName'")]);
    const unknown = await fetch(`${sts.url}/?Action=Nope&Version=2011-06-15`); // GET with query parameters, as STS allows
    expect([unknown.status, await unknown.text()]).toEqual([400, expect.stringContaining('<Code>InvalidAction</Code>')]);
  });
});

describe('faults', () => {
  const withFault = async (fault: StsFault, config: STSClientConfig = {}) => {
    sts.faults.push(fault);
    const started = Date.now();
    const outcome = await assume({}, {}, {}, config).then((out) => out, (error: SdkError) => error);
    return { outcome, ms: Date.now() - started, call: sts.calls.at(-1) };
  };

  it.each([
    [{ kind: 'status', status: 503, code: 'ServiceUnavailable' }, 'ServiceUnavailable', 503],
    [{ kind: 'status', status: 500, code: 'InternalFailure', message: 'oops' }, 'InternalFailure', 500],
    [{ kind: 'throttle' }, 'Throttling', 400],
    [{ kind: 'idp-communication' }, 'IDPCommunicationErrorException', 400],
  ] as const)('%o answers with an AWS error', async (fault, name, status) => {
    const { outcome, call } = await withFault(fault);
    expect([outcome instanceof Error && outcome.name, (outcome as SdkError).$metadata.httpStatusCode]).toEqual([name, status]);
    expect(call?.status).toBe(status);
    await expect(assume()).resolves.toHaveProperty('Credentials'); // the fault was consumed
  });

  // For hang, the client gives up after 500 ms; the double records status 0 when it sent nothing.
  it.each([
    [{ kind: 'reset' }, 0],
    [{ kind: 'truncated' }, 200],
    [{ kind: 'hang' }, 0],
  ] as const)('%o gives the client no usable response', async (fault, status) => {
    const { outcome, ms, call } = await withFault(fault, { requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true } });
    expect(outcome).toBeInstanceOf(Error);
    expect(call?.status).toBe(status);
    if (fault.kind === 'hang') expect(ms).toBeGreaterThanOrEqual(450);
  });

  it('slow-body delivers a valid response late', async () => {
    const { outcome, ms } = await withFault({ kind: 'slow-body', ms: 300 });
    expect(outcome).toHaveProperty('Credentials.AccessKeyId');
    expect(ms).toBeGreaterThanOrEqual(290);
  });

  it('wrong-content-type sends an HTML page with a 200', async () => {
    const { outcome } = await withFault({ kind: 'wrong-content-type' });
    // The SDK does not reject it: it returns a result without credentials, which callers must catch.
    expect(outcome).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(outcome).not.toHaveProperty('Credentials');
  });
});

describe('sigv4 verifier', () => {
  // AWS's SigV4 test suite, get-vanilla and post-vanilla (service "service").
  const vector = (method: string) =>
    ({ method, path: '/', query: '', body: '', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' } as Record<string, string> });
  const auth = (sig: string) => `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}`;
  const options = { lookupSecret: () => 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', now: Date.UTC(2015, 7, 30, 12, 40), service: 'service' };
  it.each([
    ['GET', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['POST', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ])('accepts the %s-vanilla vector and refuses it tampered or stale', (method, sig) => {
    const request = vector(method);
    request.headers.authorization = auth(sig);
    expect(verifySigV4(request, options)).toMatchObject({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    expect(verifySigV4({ ...request, query: 'a=b' }, options)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(verifySigV4(request, { ...options, now: options.now + 20 * 60_000 })).toMatchObject({ ok: false, reason: 'request-expired' });
    expect(verifySigV4(request, { ...options, service: 'sts' })).toMatchObject({ ok: false, reason: 'wrong-scope' });
  });
});

describe('trust policy evaluator', () => {
  const host = 'token.actions.githubusercontent.com';
  const provider = `arn:aws:iam::111122223333:oidc-provider/${host}`;
  const context = { [`${host}:sub`]: 'repo:acme/api:ref:refs/heads/main', [`${host}:aud`]: 'sts.amazonaws.com' };
  const request: TrustRequest = { action: 'sts:AssumeRoleWithWebIdentity', principal: { kind: 'Federated', arn: provider }, context };
  const allow = (Condition: object, extra: object[] = []) =>
    ({ Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition }, ...extra] });
  it.each([
    ['StringLike * crosses / and :', { StringLike: { [`${host}:sub`]: 'repo:acme/*' } }, [], true],
    ['StringLike ? is one character', { StringLike: { [`${host}:sub`]: 'repo:acme/ap?:ref:refs/heads/main' } }, [], true],
    ['StringLike is case-sensitive', { StringLike: { [`${host}:sub`]: 'repo:ACME/*' } }, [], false],
    ['a list means any of its values', { StringEquals: { [`${host}:sub`]: ['repo:x/y:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/main'] } }, [], true],
    ['every key in a block must hold', { StringEquals: { [`${host}:sub`]: 'repo:acme/api:ref:refs/heads/main', [`${host}:aud`]: 'other' } }, [], false],
    ['a missing key fails StringEquals', { StringEquals: { [`${host}:environment`]: 'prod' } }, [], false],
    ['a missing key satisfies StringNotEquals', { StringNotEquals: { [`${host}:environment`]: 'prod' } }, [], true],
    ['explicit Deny wins', { StringLike: { [`${host}:sub`]: '*' } },
      [{ Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${host}:sub`]: '*:refs/heads/main' } } }], false],
  ] as const)('%s', (_name, condition, extra, allowed) => {
    const decision = evaluateTrustPolicy(allow(condition, [...extra]), request);
    expect(decision.allowed, decision.reason).toBe(allowed);
  });
});

describe('provider condition keys (STS since 2026)', () => {
  /** A second double on the same issuer, whose provider evaluates `family`'s claim keys, trusting `condition` on ROLE. */
  async function viaDouble(family: ConditionKeyFamily | undefined, clientId: string, condition: Record<string, ConditionBlock>, claims: Claims) {
    const provider = { issuer: issuer.url, clientIds: [clientId], ...(family ? { conditionKeys: family } : {}) };
    const double = await startSts({ providers: [provider], roles: [{ arn: ROLE, trustPolicy: federatedTrustPolicy(issuer.host, condition) }] });
    try {
      const token = await issuer.sign(claims);
      const sdk = new STSClient({ region: 'us-east-1', endpoint: double.url, maxAttempts: 1 });
      const outcome = await sdk.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: token })).then(
        (out) => ({ ok: true as const, arn: out.AssumedRoleUser?.Arn }),
        (error: SdkError) => ({ ok: false as const, error: error.name }),
      );
      return { ...outcome, detail: double.calls.at(-1)?.detail };
    } finally {
      await double.close();
    }
  }

  const key = (claim: string) => `${issuer.host}:${claim}`;
  const pinned = () => ({ StringEquals: { [key('aud')]: 'sts.amazonaws.com', [key('repository_id')]: '123456789', [key('ref')]: 'refs/heads/main' } });

  it('GitHub: a policy on repository_id and ref accepts the token that has them', async () => {
    expect(await viaDouble('github', 'sts.amazonaws.com', pinned(), githubClaims())).toMatchObject({ ok: true, arn: 'arn:aws:sts::111122223333:assumed-role/deploy/ci' });
    // A number in the token is compared as its text.
    expect(await viaDouble('github', 'sts.amazonaws.com', pinned(), githubClaims({ repository_id: 123456789 }))).toMatchObject({ ok: true });
  });

  it('GitHub: refuses another repository_id (a recycled name) or another ref, naming the condition', async () => {
    const recycled = await viaDouble('github', 'sts.amazonaws.com', pinned(), githubClaims({ repository_id: '555' }));
    expect(recycled).toMatchObject({ ok: false, error: 'AccessDenied' });
    expect(recycled.detail).toContain(`StringEquals on "${key('repository_id')}" failed: got "555", policy has "123456789"`);
    const branch = await viaDouble('github', 'sts.amazonaws.com', pinned(), githubClaims({ ref: 'refs/heads/dev' }));
    expect(branch).toMatchObject({ ok: false, error: 'AccessDenied' });
  });

  it('GitHub: without conditionKeys the keys are absent, so the same token is refused', async () => {
    const outcome = await viaDouble(undefined, 'sts.amazonaws.com', pinned(), githubClaims());
    expect(outcome).toMatchObject({ ok: false, error: 'AccessDenied' });
    expect(outcome.detail).toContain(`on "${key('repository_id')}" failed: key not present in request`);
  });

  it('a key is present only when the token has the claim, and only for the documented claims', async () => {
    const production = { StringEquals: { [key('environment')]: 'production' } };
    expect(await viaDouble('github', 'sts.amazonaws.com', production, githubClaims())).toMatchObject({ ok: false });
    expect(await viaDouble('github', 'sts.amazonaws.com', production, githubClaims({ environment: 'production' }))).toMatchObject({ ok: true });
    // repository_owner and sha are claims of GitHub's token, but STS documents no key for them.
    const undocumented = { StringEquals: { [key('repository_owner')]: 'acme' } };
    expect(await viaDouble('github', 'sts.amazonaws.com', undocumented, githubClaims())).toMatchObject({ ok: false });
    expect(await viaDouble('github', 'sts.amazonaws.com', { StringLike: { [key('sha')]: '*' } }, githubClaims())).toMatchObject({ ok: false });
  });

  it('CircleCI: a policy on oidc.circleci.com/project-id accepts its project and refuses others', async () => {
    const project = (id: string) => ({ StringEquals: { [key('oidc.circleci.com/project-id')]: id } });
    expect(await viaDouble('circleci', CIRCLE_ORGANIZATION_ID, project(CIRCLE_PROJECT_ID), circleciClaims())).toMatchObject({ ok: true });
    expect(await viaDouble('circleci', CIRCLE_ORGANIZATION_ID, project('00000000-0000-0000-0000-000000000000'), circleciClaims())).toMatchObject({ ok: false, error: 'AccessDenied' });
    expect(await viaDouble(undefined, CIRCLE_ORGANIZATION_ID, project(CIRCLE_PROJECT_ID), circleciClaims())).toMatchObject({ ok: false, error: 'AccessDenied' });
    // vcs-origin is in CircleCI's token but not among STS's keys.
    const origin = { StringEquals: { [key('oidc.circleci.com/vcs-origin')]: 'github.com/acme/api' } };
    expect(await viaDouble('circleci', CIRCLE_ORGANIZATION_ID, origin, circleciClaims())).toMatchObject({ ok: false });
  });

  it('providerContext: sub, every aud, and the family claims the token has, as text', () => {
    const claims = { sub: 's', aud: ['a', 'b'], project_id: 42, ref_protected: true, user_email: 'dev@example.com', namespace_id: ['1'], user_id: null, pipeline_slug: 'x' };
    expect(providerContext('gitlab.com', claims, 'gitlab')).toEqual({
      'gitlab.com:sub': 's', 'gitlab.com:aud': ['a', 'b'], 'gitlab.com:project_id': '42', 'gitlab.com:ref_protected': 'true', 'gitlab.com:user_email': 'dev@example.com',
    });
    expect(providerContext('agent.buildkite.com', claims, 'buildkite')).toEqual({ 'agent.buildkite.com:sub': 's', 'agent.buildkite.com:aud': ['a', 'b'], 'agent.buildkite.com:pipeline_slug': 'x' });
    expect(providerContext('h', claims)).toEqual({ 'h:sub': 's', 'h:aud': ['a', 'b'] });
  });

  it('webIdentityRequest gives the evaluator what the double gives it, without a token', () => {
    const claims = githubClaims({ 'https://aws.amazon.com/source_identity': 'octocat' });
    const request = webIdentityRequest(issuer.host, claims, { conditionKeys: 'github', sessionName: 'run-1' });
    expect(request.principal).toEqual({ kind: 'Federated', arn: `arn:aws:iam::111122223333:oidc-provider/${issuer.host}` });
    expect(request.context).toMatchObject({ 'sts:RoleSessionName': 'run-1', 'sts:SourceIdentity': 'octocat', [key('repository_id')]: '123456789' });
    const policy = federatedTrustPolicy(issuer.host, pinned());
    expect(evaluateTrustPolicy(policy, request)).toEqual({ allowed: true, reason: 'allowed by Statement[0]' });
    expect(evaluateTrustPolicy(policy, webIdentityRequest(issuer.host, claims)).allowed).toBe(false);
  });

  it('startGithubWorld takes a whole trust policy and the provider family', async () => {
    const world = await startGithubWorld({ conditionKeys: 'github', trustPolicy: (host) => federatedTrustPolicy(host, { StringEquals: { [`${host}:repository_id`]: '123456789' } }) });
    try {
      const sdk = new STSClient({ region: 'us-east-1', endpoint: world.sts.url, maxAttempts: 1 });
      const send = async (claims: Claims) => sdk.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'ci', WebIdentityToken: await world.issuer.sign(githubClaims(claims)) }));
      await expect(send({})).resolves.toHaveProperty('Credentials');
      await expect(send({ repository_id: '1' })).rejects.toThrow('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    } finally {
      await world.close();
    }
    await expect(startGithubWorld({ trustedSubject: 'repo:*', trustPolicy: {} })).rejects.toThrow('not both');
  });
});
