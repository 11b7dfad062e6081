// Complete role chains, end to end: the built Action (and the orb's bundle) against the STS
// double, which records what each AssumeRole carried and enforces what AWS enforces: the
// external ID in the trust policy's conditions, sts:TagSession for session tags (set, or
// passed on as transitive), sts:SetSourceIdentity for a source identity (set, or carried on),
// a source identity that never changes. Also what joins the job log to CloudTrail: the STS
// request IDs in the audit line and summary, and the run in every STS call's User-Agent.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, newJob, renderCommand, runOrbStep } from '../harness/circleci.ts';
import { errorAnnotation, REPO_ROOT, startTokenEndpoint, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsCall, type StsDouble, type StsRole } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE as ENTRY, runMainStep } from '../harness/world.ts';

const HUB = 'arn:aws:iam::222233334444:role/ci/hub';
const TARGET = 'arn:aws:iam::333344445555:role/deploy-target';
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The default source identity: the default session name of githubClaims (acme/api, run 4242424242, attempt 1). */
const RUN = 'acme.api@4242424242-1';
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-artifacts/*' }] };
const MANAGED = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com', CIRCLE_ORGANIZATION_ID] }], roles: [] });
});
beforeEach(() => {
  endpoint.claims = githubClaims();
  sts.faults.length = 0;
  sts.setRoles(roles());
});
afterAll(async () => {
  await Promise.all([sts?.close(), endpoint?.close()]);
  await issuer?.close();
});

type Statement = Record<string, unknown>;
const trust = (...Statement: Statement[]) => ({ Version: '2012-10-17', Statement });
const from = (principal: string, Action: string | string[], Condition?: object): Statement => ({ Effect: 'Allow', Principal: { AWS: principal }, Action, ...(Condition ? { Condition } : {}) });

/**
 * ENTRY (web identity) → HUB, which wants the external ID and allows only these tags, this
 * source identity and Repository as the one transitive key → TARGET, which wants the
 * Repository tag passed on from HUB and the run as source identity.
 */
function roles(overrides: { hub?: object; target?: object } = {}): StsRole[] {
  return [
    { arn: ENTRY, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') },
    {
      arn: HUB,
      trustPolicy: overrides.hub ?? trust(
        from(ENTRY, 'sts:AssumeRole', { StringEquals: { 'sts:ExternalId': 'acme-ci' } }),
        from(ENTRY, 'sts:TagSession', { StringEquals: { 'aws:RequestTag/Repository': 'acme/api' }, 'ForAllValues:StringEquals': { 'sts:TransitiveTagKeys': ['Repository'] } }),
        from(ENTRY, 'sts:SetSourceIdentity', { StringEquals: { 'sts:SourceIdentity': RUN } }),
      ),
    },
    {
      arn: TARGET,
      trustPolicy: overrides.target ?? trust(
        from(HUB, ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], { StringEquals: { 'aws:PrincipalTag/Repository': 'acme/api', 'aws:SourceIdentity': RUN } }),
      ),
    },
  ];
}

const CHAIN = [
  `${HUB} external-id=acme-ci tags=Repository={claims.repository},Actor={claims.actor} transitive-tag-keys=Repository`,
  `${TARGET} tags=Run={claims.run_id}-{claims.run_attempt},Ref={claims.ref}`,
].join('\n');

function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runMainStep({ issuer, endpoint, sts }, { 'role-to-assume': ENTRY, ...inputs }, { env });
}

/** The calls this run made, by running it and taking what the double recorded meanwhile. */
async function withCalls(run: () => Promise<StepRun>): Promise<{ run: StepRun; calls: StsCall[] }> {
  const before = sts.calls.length;
  const result = await run();
  return { run: result, calls: sts.calls.slice(before) };
}

function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

function expectNoLeak(run: StepRun) {
  expect(findLeaks({ log: visibleOutput(run), outputs: run.files.GITHUB_OUTPUT ?? '', summary: run.summary }, secrets())).toEqual([]);
}

function expectFailure(run: StepRun, code: string, message: RegExp, hint?: RegExp) {
  expect(run.code).not.toBe(0);
  const [first, second] = errorAnnotation(run).split('\n');
  expect(first).toMatch(new RegExp(`^${code}: `));
  expect(first).toMatch(message);
  expect(second).toMatch(/^Hint: \S/);
  if (hint) expect(second).toMatch(hint);
  expect(run.exported).toEqual({});
  expectNoLeak(run);
}

/** The AWS part of the run's audit line. */
function audit(run: { stdout: string }): Record<string, unknown> {
  const line = JSON.parse(/^claimcheck-audit (.*)$/m.exec(run.stdout)?.[1] ?? '{}') as { clouds?: Array<Record<string, unknown>> };
  expect(line.clouds?.map((cloud) => cloud.cloud)).toEqual(['aws']);
  return line.clouds?.[0] ?? {};
}

/** A query list as sent: `Tags.member.N.Key` / `.Value` pairs. */
function tagsSent(call: StsCall): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let n = 1; call.params[`Tags.member.${n}.Key`] !== undefined; n++) tags[call.params[`Tags.member.${n}.Key`]!] = call.params[`Tags.member.${n}.Value`] ?? '';
  return tags;
}

describe('a role chain with external ID, session tags, transitive keys, source identity and session policies', () => {
  it('sends each hop what it declares, narrows only the session handed over, and the credentials work', async () => {
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': CHAIN, 'inline-session-policy': JSON.stringify(POLICY, null, 2), 'managed-session-policies': MANAGED }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(calls.map((call) => [call.action, call.status])).toEqual([['AssumeRoleWithWebIdentity', 200], ['AssumeRole', 200], ['AssumeRole', 200]]);
    const [web, hub, target] = calls as [StsCall, StsCall, StsCall];

    // The web-identity session is not narrowed: it must be free to assume the next role.
    expect(Object.keys(web.params).filter((name) => /^(Policy|PolicyArns)/.test(name))).toEqual([]);
    expect(hub.params).toMatchObject({ RoleArn: HUB, ExternalId: 'acme-ci', 'TransitiveTagKeys.member.1': 'Repository', SourceIdentity: RUN, RoleSessionName: RUN });
    expect(tagsSent(hub)).toEqual({ Repository: 'acme/api', Actor: 'octocat' });
    expect(hub.params.Policy).toBeUndefined();
    // The last hop: no external ID, no source identity sent (it is carried on), the policies.
    expect(tagsSent(target)).toEqual({ Run: '4242424242-1', Ref: 'refs/heads/main' });
    expect(target.params).toMatchObject({ RoleArn: TARGET, Policy: JSON.stringify(POLICY), 'PolicyArns.member.1.arn': MANAGED });
    expect(target.params.ExternalId).toBeUndefined();
    expect(target.params.SourceIdentity).toBeUndefined();

    // What STS made of it: the source identity set on the hub and kept; Repository passed on.
    const [hubSession, targetSession] = sts.issued.slice(-2);
    expect(hubSession).toMatchObject({ roleArn: HUB, sourceIdentity: RUN, sessionTags: { Repository: 'acme/api', Actor: 'octocat' }, transitiveTagKeys: ['Repository'], policyArns: [] });
    expect(targetSession).toMatchObject({ roleArn: TARGET, sourceIdentity: RUN, transitiveTagKeys: ['Repository'], policy: JSON.stringify(POLICY), policyArns: [MANAGED] });
    expect(targetSession!.sessionTags).toEqual({ Repository: 'acme/api', Run: '4242424242-1', Ref: 'refs/heads/main' });

    expect(run.exported.AWS_ACCESS_KEY_ID).toBe(targetSession!.accessKeyId);
    expect(run.outputs['authenticated-arn']).toBe(`arn:aws:sts::333344445555:assumed-role/deploy-target/${RUN}`);
    expect(run.stdout).toContain(`Chaining: assuming ${HUB} with the session arn:aws:sts::111122223333:assumed-role/deploy/${RUN}, sending an external ID, session tags Repository, Actor (transitive: Repository), source identity ${RUN}.`);
    expect(run.stdout).not.toContain('acme-ci');
    expectNoLeak(run);
    if (hasDebianAws) {
      const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...run.exported };
      const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--output', 'json'], { env });
      expect(JSON.parse(stdout)).toMatchObject({ Arn: run.outputs['authenticated-arn'] });
    }
  });

  it('puts every STS request ID and the source identity in the audit line and the summary', async () => {
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': CHAIN }));
    expect(run.code).toBe(0);
    const ids = calls.map((call) => call.requestId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(audit(run)).toMatchObject({
      role: ENTRY,
      role_chain: [HUB, TARGET],
      source_identity: RUN,
      sts_requests: [{ role: ENTRY, request_id: ids[0] }, { role: HUB, request_id: ids[1] }, { role: TARGET, request_id: ids[2] }],
    });
    expect(run.summary).toContain(`| Source identity | \`${RUN}\` |`);
    expect(run.summary).toContain(`| STS request IDs | ${ids.map((id) => `\`${id}\``).join(' → ')} |`);
  });

  it('names the run in the User-Agent of every STS call', async () => {
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': CHAIN }));
    expect(run.code).toBe(0);
    for (const call of calls) {
      expect(call.userAgent).toContain(`claimcheck/${VERSION}`);
      expect(call.userAgent).toContain('md/github.run_id#4242424242 md/github.run_attempt#1');
    }
    // Only plain ids: a claim with other text is left out, never escaped into the header.
    endpoint.claims = githubClaims({ run_attempt: '1 evil/2' });
    const odd = await withCalls(() => runAction({}));
    expect(odd.calls[0]?.userAgent).toContain('md/github.run_id#4242424242');
    expect(odd.calls[0]?.userAgent).not.toContain('run_attempt');
  });

  it('makes claim text valid for tags: characters STS refuses become _, and values are cut to 256', async () => {
    endpoint.claims = githubClaims({ actor: 'dependabot[bot]', ref: `refs/heads/${'x'.repeat(300)}` });
    sts.setRoles(roles({ hub: trust(from(ENTRY, ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'])) }));
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': `${HUB} tags=Actor={claims.actor},Ref={claims.ref} source-identity=none` }));
    expect(run.code).toBe(0);
    expect(tagsSent(calls[1]!)).toEqual({ Actor: 'dependabot_bot_', Ref: `refs/heads/${'x'.repeat(256 - 'refs/heads/'.length)}` });
  });

  it('takes the chain from a role map entry in a rules file, with per-hop policies', async () => {
    const file = join(process.env.TMPDIR ?? '/tmp', 'claimcheck.yml');
    writeFileSync(file, [
      'version: 1',
      'platform: github',
      'roles:',
      `  - name: deploy`,
      `    role: "${ENTRY}"`,
      '    claims: { repository_id: "123456789" }',
      '    session-policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:*", Resource: "*" }] }',
      '    chain:',
      `      - role: "${HUB}"`,
      '        external-id: acme-ci',
      '        tags: { Repository: "{claims.repository}" }',
      '        transitive-tag-keys: [Repository]',
      '        managed-session-policies: ["arn:aws:iam::aws:policy/AWSCloudFormationFullAccess"]',
      `      - "${TARGET}"`,
    ].join('\n'));
    const { run, calls } = await withCalls(() => runAction({ 'role-to-assume': '', 'rules-file': file }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(calls.map((call) => call.params.RoleArn)).toEqual([ENTRY, HUB, TARGET]);
    expect(calls[0]!.params.Policy).toBeUndefined();
    expect(calls[1]!.params).toMatchObject({ ExternalId: 'acme-ci', SourceIdentity: RUN, 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/AWSCloudFormationFullAccess' });
    expect(calls[1]!.params.Policy).toBeUndefined();
    expect(calls[2]!.params.Policy).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}');
    expect(sts.issued.at(-1)).toMatchObject({ roleArn: TARGET, sourceIdentity: RUN, sessionTags: { Repository: 'acme/api' } });
    expect(audit(run)).toMatchObject({ role_map_entry: 'deploy', role_chain: [HUB, TARGET] });
  });

  it('keeps the old forms: ARNs on lines or separated by commas, and source-identity=none for roles that trust only sts:AssumeRole', async () => {
    sts.setRoles(roles({ hub: trust(from(ENTRY, 'sts:AssumeRole')), target: trust(from(HUB, 'sts:AssumeRole')) }));
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': `${HUB} source-identity=none\n${TARGET}` }));
    expect(run.code).toBe(0);
    expect(calls.map((call) => call.params.SourceIdentity)).toEqual([undefined, undefined, undefined]);
    expect(sts.issued.at(-1)!.sourceIdentity).toBeUndefined();
    expect(audit(run).source_identity).toBeUndefined();
    // The comma-separated form sets the default source identity, which these roles do not allow.
    const denied = await runAction({ 'role-chain': `${HUB}, ${TARGET}` });
    expectFailure(denied, 'STS_ACCESS_DENIED', /lacks sts:SetSourceIdentity/);
  });
});

describe('refusals name the permission the next role\'s trust policy lacks', () => {
  it('sts:TagSession, when the hop sets session tags', async () => {
    sts.setRoles(roles({ hub: trust(from(ENTRY, ['sts:AssumeRole', 'sts:SetSourceIdentity'])) }));
    const { run, calls } = await withCalls(() => runAction({ 'role-chain': `${HUB} tags=Team=platform\n${TARGET}` }));
    expect(calls.map((call) => call.status)).toEqual([200, 403]);
    expectFailure(
      run,
      'STS_ACCESS_DENIED',
      new RegExp(`tag its session of ${HUB} in the role chain: the role's trust policy lacks sts:TagSession \\(this hop sets the session tags Team\\) \\(AccessDenied: .*not authorized to perform: sts:TagSession.*, request ID ${calls[1]!.requestId}\\)`),
      new RegExp(`The trust policy of ${HUB} must allow "AWS": "${ENTRY}" .*the action sts:TagSession, not only sts:AssumeRole`),
    );
  });

  it('sts:TagSession, when the calling session passes on transitive tags', async () => {
    sts.setRoles(roles({ target: trust(from(HUB, ['sts:AssumeRole', 'sts:SetSourceIdentity'])) }));
    const run = await runAction({ 'role-chain': CHAIN.split('\n')[0] + `\n${TARGET}` });
    expectFailure(run, 'STS_ACCESS_DENIED', /lacks sts:TagSession \(the calling session has transitive tags, which AWS passes on\)/, /make none transitive before it/);
  });

  it('sts:SetSourceIdentity, on the hop that sets it and on a later hop that carries it', async () => {
    sts.setRoles(roles({ hub: trust(from(ENTRY, ['sts:AssumeRole', 'sts:TagSession'])) }));
    const setting = await runAction({ 'role-chain': `${HUB}\n${TARGET}` });
    expectFailure(setting, 'STS_ACCESS_DENIED', new RegExp(`lacks sts:SetSourceIdentity \\(this hop sets it to ${RUN}\\)`), /the action sts:SetSourceIdentity, not only sts:AssumeRole.*or write source-identity=none on the chain's first hop/);

    sts.setRoles(roles({ hub: trust(from(ENTRY, ['sts:AssumeRole', 'sts:SetSourceIdentity'])), target: trust(from(HUB, 'sts:AssumeRole')) }));
    const carrying = await runAction({ 'role-chain': `${HUB} source-identity={claims.repository_id}@{claims.run_id}\n${TARGET}` });
    expectFailure(carrying, 'STS_ACCESS_DENIED', new RegExp(`${TARGET} in the role chain: the role's trust policy lacks sts:SetSourceIdentity \\(the chain set 123456789@4242424242 on an earlier hop, and AWS carries it to every later one\\)`));
  });

  it('sts:AssumeRole with the external ID the trust policy expects', async () => {
    const run = await runAction({ 'role-chain': CHAIN.replace('external-id=acme-ci', 'external-id=wrong-id') });
    expectFailure(run, 'STS_ACCESS_DENIED', new RegExp(`refused to let \\S+ assume ${HUB} in the role chain`), /its sts:ExternalId condition must match the external-id sent; it must also allow sts:TagSession.*sts:SetSourceIdentity/);
  });
});

describe('a chain declaration that cannot work fails before any request', () => {
  it.each([
    [`${HUB} tags=Team`, /Input role-chain: hop 1 \(arn:aws:iam::222233334444:role\/ci\/hub\), option tags: "Team" is not Key=value/],
    [`${HUB}\n${TARGET} colour=blue`, /Input role-chain: hop 2 \(arn:aws:iam::333344445555:role\/deploy-target\): unknown option "colour"/],
    [`${HUB}\n${TARGET} source-identity=x{claims.run_id}`, /hop 2 \(arn:aws:iam::333344445555:role\/deploy-target\): source-identity is set once, on the first hop/],
    [`${HUB} tags=Repository={claims.repository} transitive-tag-keys=Repository\n${TARGET} tags=Repository=other`, /hop 2 .*the tag "Repository" is transitive from hop 1/],
    [`${HUB} tags=Team=a#b`, /hop 1 .*option tags\.Team: "a#b" holds "#", which STS does not accept here/],
    [`${HUB} tags=Env={claims.environment}`, /The role chain \(input role-chain\), hop 1 \(arn:aws:iam::222233334444:role\/ci\/hub\), tag Env: the token has no environment claim/],
  ])('%s', async (chain, message) => {
    const before = sts.calls.length;
    const run = await runAction({ 'role-chain': chain });
    expectFailure(run, 'INPUT_INVALID', message);
    expect(sts.calls.length).toBe(before);
  });
});

describe('the orb', () => {
  it('names the CircleCI build in the User-Agent and uses project@build as the source identity', async () => {
    const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
    endpoint.issued.push(token);
    sts.setRoles([
      { arn: ENTRY, trustPolicy: webIdentityTrustPolicy(issuer.host, `org/${CIRCLE_ORGANIZATION_ID}/*`) },
      { arn: HUB, trustPolicy: trust(from(ENTRY, ['sts:AssumeRole', 'sts:SetSourceIdentity'], { StringEquals: { 'sts:SourceIdentity': 'acme.api@318' } })) },
    ]);
    const job = newJob({ nodeDir: dirname(nodeRuntimes()[0]!.node), token, bundleUrl: 'http://127.0.0.1:9/unused' });
    const [step] = renderCommand(loadOrb(), 'assume_role', { role_to_assume: ENTRY, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, audience: CIRCLE_ORGANIZATION_ID, role_chain: HUB });
    const before = sts.calls.length;
    const result = await runOrbStep(job, { ...step!, command: `exec node ${join(REPO_ROOT, 'dist/circleci/index.js')}` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = sts.calls.slice(before);
    expect(calls.map((call) => call.status)).toEqual([200, 200]);
    for (const call of calls) expect(call.userAgent).toContain('md/circleci.build_num#318');
    expect(calls[1]!.params.SourceIdentity).toBe('acme.api@318');
    expect(result.stdout).toMatch(new RegExp(`STS request IDs: +${calls[0]!.requestId} -> ${calls[1]!.requestId}`));
    expect(audit(result)).toMatchObject({ source_identity: 'acme.api@318', sts_requests: [{ request_id: calls[0]!.requestId }, { request_id: calls[1]!.requestId }] });
  });
});
