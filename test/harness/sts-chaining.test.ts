// The STS double's AssumeRole beyond the role: session tags, transitive tag keys, external
// ID, source identity and session policies, driven by the real AWS SDK. The double must
// refuse what AWS refuses (IAM User Guide: "Pass session tags in AWS STS", "Monitor and
// control actions taken with assumed roles"; AssumeRole API reference), or e2e tests of
// claimcheck's chains would pass against a friendlier STS than the real one.
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient, type AssumeRoleCommandInput, type Credentials } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubClaims, startIssuer, type Claims, type TestIssuer } from './issuer.ts';
import { startSts, type StsDouble, type StsRole } from './sts.ts';
import { webIdentityTrustPolicy } from './trust-policy.ts';

const ENTRY = 'arn:aws:iam::111122223333:role/deploy';
const HUB = 'arn:aws:iam::222233334444:role/hub';
const TARGET = 'arn:aws:iam::333344445555:role/target';

let issuer: TestIssuer;
let sts: StsDouble;

const trust = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (principal: string, Action: string | string[], Condition?: object) => ({ Effect: 'Allow', Principal: { AWS: principal }, Action, ...(Condition ? { Condition } : {}) });
const ALL = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];

function roles(hub: object = trust(allow(ENTRY, ALL)), target: object = trust(allow(HUB, ALL))): StsRole[] {
  return [
    { arn: ENTRY, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*') },
    { arn: HUB, trustPolicy: hub },
    { arn: TARGET, trustPolicy: target },
  ];
}

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [] });
});
beforeEach(() => sts.setRoles(roles()));
afterAll(async () => {
  await sts?.close();
  await issuer?.close();
});

const client = (credentials?: Credentials) =>
  new STSClient({
    region: 'us-east-1',
    endpoint: sts.url,
    maxAttempts: 1,
    customUserAgent: [['tester', '1'], ['md/run', '42']],
    ...(credentials ? { credentials: { accessKeyId: credentials.AccessKeyId!, secretAccessKey: credentials.SecretAccessKey!, sessionToken: credentials.SessionToken! } } : {}),
  });

async function webIdentity(claims: Claims = {}): Promise<Credentials> {
  const token = await issuer.sign(githubClaims(claims));
  const output = await client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ENTRY, RoleSessionName: 'ci', WebIdentityToken: token }));
  return output.Credentials!;
}

async function chain(from: Credentials, RoleArn: string, input: Partial<AssumeRoleCommandInput> = {}) {
  return client(from).send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'ci', ...input }));
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected STS to refuse');
}

describe('session tags', () => {
  it('need sts:TagSession in the trust policy, as a separate action with its own conditions', async () => {
    sts.setRoles(roles(trust(allow(ENTRY, 'sts:AssumeRole'))));
    const first = await webIdentity();
    expect(await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a' }] }))).toEqual({ name: 'AccessDenied', message: `User: arn:aws:sts::111122223333:assumed-role/deploy/ci is not authorized to perform: sts:TagSession on resource: ${HUB}` });
    await chain(first, HUB); // without tags, sts:AssumeRole is enough

    sts.setRoles(roles(trust(allow(ENTRY, 'sts:AssumeRole'), allow(ENTRY, 'sts:TagSession', { StringEquals: { 'aws:RequestTag/Team': 'a' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Team'] } }))));
    await chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a' }] });
    expect((await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'b' }] }))).message).toContain('sts:TagSession');
    expect((await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a' }, { Key: 'Other', Value: 'x' }] }))).message).toContain('sts:TagSession');
  });

  it('pass on when transitive: the next session has them, needs sts:TagSession for them, and may not set their keys again', async () => {
    const hub = await chain(await webIdentity(), HUB, { Tags: [{ Key: 'Repository', Value: 'acme/api' }, { Key: 'Once', Value: '1' }], TransitiveTagKeys: ['Repository'] });
    expect(sts.issued.at(-1)).toMatchObject({ sessionTags: { Repository: 'acme/api', Once: '1' }, transitiveTagKeys: ['Repository'] });
    await chain(hub.Credentials!, TARGET);
    expect(sts.issued.at(-1)).toMatchObject({ roleArn: TARGET, sessionTags: { Repository: 'acme/api' }, transitiveTagKeys: ['Repository'] });
    expect(await refusal(chain(hub.Credentials!, TARGET, { Tags: [{ Key: 'repository', Value: 'other' }] }))).toMatchObject({ name: 'InvalidParameterValue' });

    sts.setRoles(roles(undefined, trust(allow(HUB, ['sts:AssumeRole', 'sts:SetSourceIdentity']))));
    expect((await refusal(chain(hub.Credentials!, TARGET))).message).toBe(`User: arn:aws:sts::222233334444:assumed-role/hub/ci is not authorized to perform: sts:TagSession on resource: ${TARGET}`);
    // aws:PrincipalTag carries the caller's tags into the next trust policy.
    sts.setRoles(roles(undefined, trust(allow(HUB, ALL, { StringEquals: { 'aws:PrincipalTag/Repository': 'acme/other' } }))));
    expect((await refusal(chain(hub.Credentials!, TARGET))).message).toContain('sts:AssumeRole');
  });

  it('refuses duplicate keys (without case), transitive keys that name no tag, and characters STS does not take', async () => {
    const first = await webIdentity();
    expect(await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a' }, { Key: 'TEAM', Value: 'b' }] }))).toMatchObject({ name: 'InvalidParameterValue', message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.' });
    expect(await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a' }], TransitiveTagKeys: ['Other'] }))).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'a#b' }] }))).toMatchObject({ name: 'ValidationError', message: expect.stringContaining("Value 'a#b' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern") });
    expect(await refusal(chain(first, HUB, { Tags: [{ Key: 'Team', Value: 'x'.repeat(257) }] }))).toMatchObject({ name: 'ValidationError', message: expect.stringContaining('Member must have length less than or equal to 256') });
    expect(await refusal(chain(first, HUB, { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `K${i}`, Value: 'v' })) }))).toMatchObject({ name: 'ValidationError', message: expect.stringContaining("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") });
    await chain(first, HUB, { Tags: [{ Key: 'Größe Ü', Value: 'ÄÖ 中文 a/b:c=d+e-f@g_h.i' }] });
  });
});

describe('source identity', () => {
  it('needs sts:SetSourceIdentity where it is set and on every later hop, is kept, and never changes', async () => {
    sts.setRoles(roles(trust(allow(ENTRY, ['sts:AssumeRole', 'sts:TagSession']))));
    const first = await webIdentity();
    expect((await refusal(chain(first, HUB, { SourceIdentity: 'acme@1' }))).message).toContain('not authorized to perform: sts:SetSourceIdentity');

    sts.setRoles(roles(trust(allow(ENTRY, ['sts:AssumeRole', 'sts:SetSourceIdentity'], { StringEquals: { 'sts:SourceIdentity': 'acme@1' } })), trust(allow(HUB, 'sts:AssumeRole'))));
    expect((await refusal(chain(first, HUB, { SourceIdentity: 'acme@2' }))).message).toContain('sts:AssumeRole');
    const hub = await chain(first, HUB, { SourceIdentity: 'acme@1' });
    expect(hub.SourceIdentity).toBe('acme@1');
    expect(sts.issued.at(-1)).toMatchObject({ roleArn: HUB, sourceIdentity: 'acme@1' });
    // Carried on: the next role must allow sts:SetSourceIdentity even when the call sets nothing.
    expect((await refusal(chain(hub.Credentials!, TARGET))).message).toBe(`User: arn:aws:sts::222233334444:assumed-role/hub/ci is not authorized to perform: sts:SetSourceIdentity on resource: ${TARGET}`);
    sts.setRoles(roles(undefined, trust(allow(HUB, ['sts:AssumeRole', 'sts:SetSourceIdentity'], { StringEquals: { 'aws:SourceIdentity': 'acme@1', 'sts:SourceIdentity': 'acme@1' } }))));
    const target = await chain(hub.Credentials!, TARGET);
    expect(target.SourceIdentity).toBe('acme@1');
    expect(await refusal(chain(hub.Credentials!, TARGET, { SourceIdentity: 'acme@2' }))).toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('cannot change') });
    expect(await refusal(chain(first, HUB, { SourceIdentity: 'a/b' }))).toMatchObject({ name: 'ValidationError' });
  });

  it('from the token, needs sts:SetSourceIdentity in the web-identity role\'s trust policy', async () => {
    const token = await issuer.sign(githubClaims({ 'https://aws.amazon.com/source_identity': 'octocat' }));
    const send = () => client().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ENTRY, RoleSessionName: 'ci', WebIdentityToken: token }));
    expect(await refusal(send())).toMatchObject({ name: 'AccessDenied' });
    const both = webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*');
    (both.Statement as Array<{ Action: string | string[] }>)[0]!.Action = ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity'];
    sts.setRoles([{ arn: ENTRY, trustPolicy: both }]);
    expect((await send()).SourceIdentity).toBe('octocat');
  });
});

describe('external ID, session policies and what the double records', () => {
  it('puts the external ID in sts:ExternalId and records the policies on the session', async () => {
    sts.setRoles(roles(trust(allow(ENTRY, 'sts:AssumeRole', { StringEquals: { 'sts:ExternalId': 'acme-ci' } }))));
    const first = await webIdentity();
    expect((await refusal(chain(first, HUB))).message).toContain('sts:AssumeRole');
    expect((await refusal(chain(first, HUB, { ExternalId: 'other' }))).message).toContain('sts:AssumeRole');
    expect(await refusal(chain(first, HUB, { ExternalId: 'x' }))).toMatchObject({ name: 'ValidationError' });
    const before = sts.calls.length;
    const output = await chain(first, HUB, { ExternalId: 'acme-ci', Policy: '{"Statement":[]}', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] });
    expect(sts.issued.at(-1)).toMatchObject({ roleArn: HUB, policy: '{"Statement":[]}', policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], sessionTags: {}, transitiveTagKeys: [] });
    const [call] = sts.calls.slice(before);
    expect(call).toMatchObject({ action: 'AssumeRole', status: 200, requestId: output.$metadata.requestId });
    expect(call?.userAgent).toMatch(/ tester\/1 md\/run#42$/);
  });
});
