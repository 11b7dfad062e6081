// Role chains as declared and as sent: the role-chain input's two forms, rules-file chain
// lists, the checks that span hops, claim templates made valid for STS, which hop gets the
// session policies and the source identity, and the refusals' hints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRoleArn, type RoleArn } from '../../src/core/aws/arn.js';
import { ChainSyntaxError, parseChainInput, type ChainHop } from '../../src/core/aws/chain.js';
import { capTagValue, cleanSourceIdentityText, cleanTagText, planChain } from '../../src/core/aws/chain-plan.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { auditRecord, summaryMarkdown, summaryText } from '../../src/core/report/report.js';
import { awsRunReport, type AwsReportFields } from '../harness/reports.ts';
import { chooseRole } from '../../src/core/aws/role-map.js';
import { readRulesDocument, RulesFileError } from '../../src/core/rules/rules-file.js';
import { circleciRunLabel, githubRunLabel } from '../../src/core/report/run-label.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { explainChainFailure, type ChainHopSent } from '../../src/core/aws/sts-failure.js';
import { REPO_ROOT } from '../harness/github.ts';

const HUB = 'arn:aws:iam::222233334444:role/hub';
const TARGET = 'arn:aws:iam::333344445555:role/path/target';
const role = (arn: string) => parseRoleArn(arn) as RoleArn;
const claims = { repository: 'acme/api', repository_id: '123456789', run_id: '4242424242', run_attempt: '1', actor: 'dependabot[bot]', ref: 'refs/heads/main', run_number: 17, flag: true, list: ['a'] };
const NO_POLICIES = { inlineSessionPolicy: undefined, managedSessionPolicies: [] };

function syntaxError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ChainSyntaxError);
    return (error as Error).message;
  }
  throw new Error('expected a ChainSyntaxError');
}

describe('the role-chain input', () => {
  it('keeps the original forms: ARNs on lines or separated by commas, with blank and # lines skipped', () => {
    for (const text of [`${HUB}\n${TARGET}`, `${HUB}, ${TARGET}`, `# chain\n\n  ${HUB},\r\n${TARGET}\n`]) {
      expect(parseChainInput(text).map((hop) => hop.roleArn.arn)).toEqual([HUB, TARGET]);
    }
    expect(parseChainInput('')).toEqual([]);
    expect(parseChainInput(HUB)[0]).toEqual({ roleArn: role(HUB), externalId: undefined, tags: [], transitiveTagKeys: [], sourceIdentity: undefined, sessionPolicy: undefined, managedSessionPolicies: undefined });
  });

  it('reads options after the ARN, one hop per line', () => {
    const [hub, target] = parseChainInput([
      `${HUB}   external-id=acme:ci/1,x tags=Repository={claims.repository},Run=r{claims.run_id}-{claims.run_attempt},Empty=,Eq=a=b transitive-tag-keys=Repository,Run source-identity={claims.repository_id}@{claims.run_id}`,
      `${TARGET} managed-session-policies=arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::123456789012:policy/deploy`,
    ].join('\n')) as [ChainHop, ChainHop];
    expect(hub.externalId).toBe('acme:ci/1,x');
    expect(hub.tags).toEqual([
      { key: 'Repository', value: [{ claim: 'repository' }] },
      { key: 'Run', value: [{ text: 'r' }, { claim: 'run_id' }, { text: '-' }, { claim: 'run_attempt' }] },
      { key: 'Empty', value: [] },
      { key: 'Eq', value: [{ text: 'a=b' }] },
    ]);
    expect(hub.transitiveTagKeys).toEqual(['Repository', 'Run']);
    expect(hub.sourceIdentity).toEqual({ kind: 'template', template: [{ claim: 'repository_id' }, { text: '@' }, { claim: 'run_id' }] });
    expect(target.managedSessionPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/deploy']);
    expect(parseChainInput(`${HUB} source-identity=none`)[0]?.sourceIdentity).toEqual({ kind: 'none' });
    // An ARN whose role name holds = is still an ARN: options start only after a space.
    expect(parseChainInput('arn:aws:iam::111122223333:role/a+b=c tags=K=v')[0]?.roleArn.name).toBe('a+b=c');
  });

  it.each([
    [`${HUB}, ${TARGET} tags=K=v`, /^hop 1: options follow one role ARN/],
    [`${HUB} foo`, /^hop 1: ".* foo" is not an IAM role ARN; write options after the ARN as name=value$/],
    [`${HUB}\n${TARGET} colour=blue`, /^hop 2 \(arn:aws:iam::333344445555:role\/path\/target\): unknown option "colour"; options are external-id, tags, transitive-tag-keys, source-identity, managed-session-policies/],
    [`${HUB} session-policy={}`, /a per-hop session-policy is for rules files; inline-session-policy narrows the last hop/],
    [`${HUB} tags=A=1 tags=B=2`, /^hop 1 \(.*\), option tags: given twice$/],
    [`${HUB} external-id=`, /option external-id: has no value/],
    [`${HUB} external-id=ab c=d`, /unknown option "c"/],
    [`${HUB} external-id=x`, /option external-id: "x" is not 2 to 1224 letters/],
    [`${HUB} tags=aws:x=1`, /the tag key "aws:x" starts with aws:, which AWS reserves/],
    [`${HUB} tags=Team=a,team=b`, /the tag key "team" appears twice \(STS compares keys without case\)/],
    [`${HUB} tags=A=1 transitive-tag-keys=B`, /transitive-tag-keys names "B", which is not a tag of this hop/],
    [`${HUB} transitive-tag-keys=A,,B tags=A=1`, /option transitive-tag-keys: an empty key/],
    [`${HUB} tags=${Array.from({ length: 51 }, (_, i) => `K${i}=v`).join(',')}`, /51 tags; STS accepts at most 50/],
    [`${HUB} managed-session-policies=arn:aws:iam::aws:role/x`, /is not an IAM policy ARN/],
    [`${HUB} managed-session-policies=${Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/p${i}`).join(',')}`, /lists 11 policies; STS accepts 1 to 10/],
    [`${HUB} tags=A={claims.}`, /has \{claims\.\}; a template names a claim as \{claims\.<name>\}/],
    [`${HUB} tags=A={repository}`, /has \{repository\}/],
    [`${HUB} tags=A={claims.repository`, /has a \{ without its \}/],
    [`${HUB} tags=A=x}`, /holds "\}", which STS does not accept here \(a \} without its \{\)/],
    [`${HUB} source-identity=a/{claims.run_id}`, /option source-identity: "a\/\{claims\.run_id\}" holds "\/"/],
    [`${HUB}\n${TARGET} source-identity=none`, /^hop 2 \(.*\): source-identity is set once, on the first hop/],
    [`${HUB} tags=Team=a transitive-tag-keys=Team\n${TARGET} tags=TEAM=b`, /^hop 2 \(.*\): the tag "TEAM" is transitive from hop 1 \(arn:aws:iam::222233334444:role\/hub\)/],
    ['arn:aws:iam::123:role/x', /^hop 1: "arn:aws:iam::123:role\/x" is not an IAM role ARN/],
  ])('refuses %j, naming the hop and the option', (text, message) => {
    expect(syntaxError(() => parseChainInput(text))).toMatch(message);
  });

  it('reaches settings as INPUT_INVALID naming role-chain, with the syntax in the hint', () => {
    const settings = (inputs: Record<string, string>) => {
      const all: Record<string, string> = { 'role-to-assume': 'arn:aws:iam::111122223333:role/deploy', 'aws-region': 'us-east-1', ...inputs };
      return parseSettings((name) => all[name]);
    };
    expect(() => settings({ 'role-chain': `${HUB} tags=x` })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(/^Input role-chain: hop 1 \(.*\), option tags: "x" is not Key=value/), hint: expect.stringContaining('one hop per line') }));
    expect(() => settings({ 'role-chain': `${HUB} managed-session-policies=arn:aws:iam::aws:policy/A`, 'managed-session-policies': 'arn:aws:iam::aws:policy/B' })).toThrow(/Input role-chain: hop 1 sets managed-session-policies, and so does the managed-session-policies input/);
    expect(() => settings({ 'role-chain': 'arn:aws-cn:iam::222233334444:role/hub' })).toThrow(/Input aws-region is us-east-1 \(partition aws\) but the role arn:aws-cn:iam::222233334444:role\/hub is in partition aws-cn/);
    expect(settings({ 'role-chain': `${HUB} tags=A=1` }).aws!.roleChain.map((hop) => hop.roleArn.arn)).toEqual([HUB]);
  });
});

describe('rules-file chains', () => {
  const compact = (text: string) => JSON.stringify(JSON.parse(text));
  const document = (entry: string) => parse(`version: 1\nroles:\n  - name: deploy\n    role: arn:aws:iam::111122223333:role/deploy\n${entry}`);

  it('reads ARNs and hops with the input\'s options, plus session-policy, as the schema describes them', () => {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/rules.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ strict: false }).compile(schema);
    const valid = document([
      '    chain:',
      `      - ${HUB}`,
      `      - { role: ${TARGET}, external-id: "acme:ci", tags: { Repository: "{claims.repository}", N: 3 }, transitive-tag-keys: [Repository], managed-session-policies: [arn:aws:iam::aws:policy/A] }`,
    ].join('\n'));
    expect(validate(valid)).toBe(true);
    expect(readRulesDocument(valid, compact).roles[0]?.chain).toHaveLength(2);
    for (const bad of [`    chain: [{ role: ${HUB}, colour: blue }]`, `    chain: [{ role: ${HUB}, tags: { "aws:x": "1" } }]`, `    chain: [{ role: ${HUB}, external-id: "a b" }]`, '    chain: []']) {
      expect([bad, validate(document(bad))]).toEqual([bad, false]);
    }
    const read = readRulesDocument(document([
      '    chain:',
      `      - ${HUB}`,
      `      - role: ${TARGET}`,
      '        external-id: acme-ci',
      '        tags: { Repository: "{claims.repository}", Count: 3, Flag: true }',
      '        transitive-tag-keys: [Repository]',
      '        session-policy: { Version: "2012-10-17", Statement: [] }',
      '        managed-session-policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]',
    ].join('\n')), compact);
    const chain = read.roles[0]?.chain as ChainHop[];
    expect(chain.map((hop) => hop.roleArn.arn)).toEqual([HUB, TARGET]);
    expect(chain[1]).toMatchObject({ externalId: 'acme-ci', transitiveTagKeys: ['Repository'], sessionPolicy: '{"Version":"2012-10-17","Statement":[]}', managedSessionPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(chain[1]?.tags.map((tag) => tag.key)).toEqual(['Repository', 'Count', 'Flag']);
    expect(chooseRole({ roleArn: undefined, roleMap: read.roles, durationSeconds: 3600, inlineSessionPolicy: undefined }, {}).chain).toBe(chain);
  });

  it.each([
    ['    chain: []', /roles\[0\]\.chain: expected a non-empty list/],
    ['    chain: [{ role: x }]', /roles\[0\]\.chain\[0\]\.role: "x" is not an IAM role ARN/],
    [`    chain: [{ role: ${HUB}, colour: blue }]`, /roles\[0\]\.chain\[0\]: unknown key colour \(allowed: role, external-id, tags/],
    [`    chain: [{ role: ${HUB}, tags: [a] }]`, /roles\[0\]\.chain\[0\]\.tags: expected a map/],
    [`    chain: [{ role: ${HUB}, tags: { A: { b: 1 } } }]`, /roles\[0\]\.chain\[0\]\.tags\.A: expected a string/],
    [`    chain: [{ role: ${HUB}, source-identity: 5 }]`, /source-identity: expected a template string, or none/],
    [`    chain: [${HUB}, { role: ${TARGET}, source-identity: none }]`, /roles\[0\]\.chain\[1\]: source-identity is set once, on the first hop/],
    [`    session-policy: { Statement: [] }\n    chain: [{ role: ${HUB}, session-policy: { Statement: [] } }]`, /roles\[0\]: session-policy and roles\[0\]\.chain\[0\]\.session-policy both narrow the session handed over; keep one/],
  ])('refuses %j, naming the path', (entry, message) => {
    expect(() => readRulesDocument(document(entry), compact)).toThrow(RulesFileError);
    expect(() => readRulesDocument(document(entry), compact)).toThrow(message);
  });

  it('refuses a role-chain input beside a role map that has chains', () => {
    const rules = document(`    chain: [${HUB}]`);
    const inputs: Record<string, string> = { 'rules-file': 'rules.yml', 'aws-region': 'us-east-1', 'role-chain': TARGET };
    expect(() => parseSettings((name) => inputs[name], { readRulesFile: () => rules })).toThrow(/Both the role-chain input and role map entry deploy in rules-file declare a role chain/);
  });
});

describe('the calls a chain makes', () => {
  const hops = (text: string) => parseChainInput(text);

  it('narrows only the last hop with the policies of the session handed over, unless it declares its own', () => {
    const handed = { inlineSessionPolicy: '{"p":1}', managedSessionPolicies: ['arn:aws:iam::aws:policy/A'] };
    const plan = planChain(hops(`${HUB} managed-session-policies=arn:aws:iam::aws:policy/H\n${TARGET}`), handed, claims, 'acme.api@1-1');
    expect(plan.hops.map((hop) => [hop.inlineSessionPolicy, hop.managedSessionPolicies])).toEqual([[undefined, ['arn:aws:iam::aws:policy/H']], ['{"p":1}', ['arn:aws:iam::aws:policy/A']]]);
    const own = planChain(hops(`${HUB}\n${TARGET} managed-session-policies=arn:aws:iam::aws:policy/T`), handed, claims, 'x1');
    expect(own.hops[1]).toMatchObject({ inlineSessionPolicy: '{"p":1}', managedSessionPolicies: ['arn:aws:iam::aws:policy/T'] });
  });

  it('fills tags from the claims: numbers and booleans as written, refused characters as _', () => {
    const plan = planChain(hops(`${HUB} tags=Who={claims.actor},N={claims.run_number},F={claims.flag},Both={claims.repository}@{claims.ref}`), NO_POLICIES, claims, 'x1');
    expect(plan.hops[0]?.tags).toEqual([
      { key: 'Who', value: 'dependabot_bot_' },
      { key: 'N', value: '17' },
      { key: 'F', value: 'true' },
      { key: 'Both', value: 'acme/api@refs/heads/main' },
    ]);
    expect(() => planChain(hops(`${HUB} tags=L={claims.list}`), NO_POLICIES, claims, 'x1')).toThrow(/hop 1 \(arn:aws:iam::222233334444:role\/hub\), tag L: the token has no list claim \(or it is not text\)/);
    expect(() => planChain(hops(`${HUB} tags=L={claims.constructor}`), NO_POLICIES, claims, 'x1')).toThrow(/no constructor claim/);
  });

  it('sets the source identity on the first AssumeRole: the default, a template, or none', () => {
    expect(planChain(hops(`${HUB}\n${TARGET}`), NO_POLICIES, claims, 'acme.api@4242424242-1').sourceIdentity).toEqual({ value: 'acme.api@4242424242-1', declared: false });
    expect(planChain(hops(`${HUB} source-identity=none`), NO_POLICIES, claims, 'x1').sourceIdentity).toBeUndefined();
    expect(planChain([], NO_POLICIES, claims, 'x1').sourceIdentity).toBeUndefined();
    const template = (text: string, values = claims) => planChain(hops(`${HUB} source-identity=${text}`), NO_POLICIES, values, 'x1').sourceIdentity;
    expect(template('{claims.repository}@{claims.run_id}-{claims.run_attempt}')).toEqual({ value: 'acme-api@4242424242-1', declared: true });
    // Long: the end (the run) survives.
    expect(template('{claims.repository}@{claims.run_id}', { ...claims, repository: `acme/${'r'.repeat(100)}` })?.value).toBe(`${'r'.repeat(53)}@4242424242`);
    expect(() => template('{claims.repository}', { ...claims, repository: '/' })).toThrow(/hop 1, source-identity: "-" is not 2 to 64 letters/);
  });

  it('cleans and caps claim text as STS needs it', () => {
    expect(cleanTagText('a b/c:d=e+f-g@h_i.j ÄÖ 中文 ٣ #$%\u2028\n\u0000')).toBe('a b/c:d=e+f-g@h_i.j ÄÖ 中文 ٣ ______');
    expect(cleanSourceIdentityText('acme/api #1 ok')).toBe('acme-api-1-ok');
    expect(capTagValue('x'.repeat(300))).toHaveLength(256);
    const emoji = `${'x'.repeat(255)}😀`;
    expect(capTagValue(emoji)).toBe('x'.repeat(255));
    expect(capTagValue(`${'x'.repeat(254)}😀`)).toHaveLength(256);
  });
});

describe('chain refusals', () => {
  const denied = (action: string) => ({ code: 'AccessDenied', message: `User: arn:aws:sts::111122223333:assumed-role/deploy/s is not authorized to perform: ${action} on resource: ${TARGET}`, status: 403, requestId: 'req-1' });
  const sent = (extra: Partial<ChainHopSent> = {}): ChainHopSent => ({ tagKeys: [], inheritsTags: false, sourceIdentity: undefined, externalId: false, ...extra });
  const explain = (action: string, what: ChainHopSent) => explainChainFailure(denied(action), role(TARGET), 'arn:aws:sts::111122223333:assumed-role/deploy/s', what);

  it('names sts:TagSession and why the hop needs it', () => {
    const error = explain('sts:TagSession', sent({ tagKeys: ['Team', 'Run'] }));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error.code).toBe('STS_ACCESS_DENIED');
    expect(error.message).toMatch(/lacks sts:TagSession \(this hop sets the session tags Team, Run\) \(AccessDenied: .*, request ID req-1\)\.$/);
    expect(error.hint).toBe(`The trust policy of ${TARGET} must allow "AWS": "arn:aws:iam::111122223333:role/deploy" (with the role's path, if it has one) the action sts:TagSession, not only sts:AssumeRole, and the permissions of arn:aws:iam::111122223333:role/deploy must allow sts:TagSession on ${TARGET}; or send no tags to this hop (and make none transitive before it).`);
    expect(explain('sts:TagSession', sent({ inheritsTags: true })).message).toContain('(the calling session has transitive tags, which AWS passes on)');
  });

  it('names sts:SetSourceIdentity, set here or carried on', () => {
    expect(explain('sts:SetSourceIdentity', sent({ sourceIdentity: { value: 'acme@1', setHere: true } })).message).toContain('lacks sts:SetSourceIdentity (this hop sets it to acme@1)');
    const carried = explain('sts:SetSourceIdentity', sent({ sourceIdentity: { value: 'acme@1', setHere: false } }));
    expect(carried.message).toContain('(the chain set acme@1 on an earlier hop, and AWS carries it to every later one)');
    expect(carried.hint).toMatch(/or write source-identity=none on the chain's first hop\.$/);
  });

  it('on sts:AssumeRole, says what else the trust policy must allow for what this hop sent', () => {
    expect(explain('sts:AssumeRole', sent()).hint).toBe(`The trust policy of ${TARGET} must allow "AWS": "arn:aws:iam::111122223333:role/deploy" (with the role's path, if it has one) to sts:AssumeRole, and the permissions of arn:aws:iam::111122223333:role/deploy must allow sts:AssumeRole on ${TARGET}.`);
    const all = explain('sts:AssumeRole', sent({ externalId: true, tagKeys: ['A'], sourceIdentity: { value: 'x1', setHere: true } }));
    expect(all.hint).toContain('to sts:AssumeRole; its sts:ExternalId condition must match the external-id sent; it must also allow sts:TagSession (this hop carries session tags); it must also allow sts:SetSourceIdentity (the chain has a source identity), and');
  });

  it('explains refused session policies or tags of a hop', () => {
    const error = explainChainFailure({ code: 'PackedPolicyTooLarge', message: 'Packed size 120%', status: 400, requestId: undefined }, role(TARGET), 'arn:aws:sts::111122223333:assumed-role/deploy/s', { tagKeys: [], inheritsTags: false, sourceIdentity: undefined, externalId: false });
    expect(error).toMatchObject({ code: 'STS_INVALID_REQUEST', message: expect.stringContaining(`STS refused the session policies or tags sent to ${TARGET}`) });
  });
});

describe('the run in the User-Agent', () => {
  it('takes GitHub\'s run from the token and CircleCI\'s from the job, plain ids only', () => {
    expect(githubRunLabel(claims)).toEqual([['github.run_id', '4242424242'], ['github.run_attempt', '1']]);
    expect(githubRunLabel({ run_id: '1 2', run_attempt: 3 })).toEqual([]);
    expect(githubRunLabel({})).toEqual([]);
    expect(circleciRunLabel({ CIRCLE_BUILD_NUM: '318', CIRCLE_WORKFLOW_ID: '5b2a7f7e-3c1d-4e8a-9f0b-6d2c1e4a8b90' })).toEqual([['circleci.build_num', '318'], ['circleci.workflow_id', '5b2a7f7e-3c1d-4e8a-9f0b-6d2c1e4a8b90']]);
    expect(circleciRunLabel({ CIRCLE_BUILD_NUM: '318\nx' })).toEqual([]);
  });
});

describe('the report of a chain', () => {
  const fields: AwsReportFields = {
    version: '1.2.3',
    job: [['Repository', 'acme/api']],
    issuer: 'https://token.actions.githubusercontent.com',
    subject: 'repo:acme/api:ref:refs/heads/main',
    roleArn: 'arn:aws:iam::111122223333:role/deploy',
    roleEntry: undefined,
    roleChain: [HUB],
    assumedRoleArn: 'arn:aws:sts::222233334444:assumed-role/hub/acme.api@1-1',
    accountId: '222233334444',
    sessionName: 'acme.api@1-1',
    region: 'eu-west-1',
    expiration: new Date('2026-11-23T10:00:00Z'),
    sourceIdentity: 'acme.api@1-1',
    stsRequests: [{ role: 'arn:aws:iam::111122223333:role/deploy', requestId: 'id-1|`x`' }, { role: HUB, requestId: undefined }],
    rules: [],
  };
  const report = awsRunReport(fields);

  it('carries the request IDs and the source identity, inert for each reader', () => {
    expect(JSON.parse(auditRecord(report)).clouds[0]).toMatchObject({ source_identity: 'acme.api@1-1', sts_requests: [{ role: 'arn:aws:iam::111122223333:role/deploy', request_id: 'id-1|`x`' }, { role: HUB }] });
    const markdown = summaryMarkdown(report, 0);
    expect(markdown).toContain('| Source identity | `acme.api@1-1` |');
    expect(markdown).toContain('| STS request IDs | `` id-1\\|`x` `` |');
    expect(summaryText(report, 0)).toMatch(/STS request IDs: +id-1\|`x`$/m);
    const { sourceIdentity: _, stsRequests: __, ...rest } = fields;
    const before = awsRunReport(rest);
    expect(summaryMarkdown(before, 0)).not.toContain('STS request IDs');
    expect(JSON.parse(auditRecord(before)).clouds[0]).not.toHaveProperty('sts_requests');
  });
});
