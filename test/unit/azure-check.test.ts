// `trust-policy --cloud azure --check` decided: an app's federated credentials against the
// rules, with every FAIL's token admitted by the Entra matcher of the test harness (written
// apart from src/, from Microsoft's documented rules) and refused by the rules, and no OK for
// credentials that admit a token the rules refuse.
import { describe, expect, it } from 'vitest';
import { checkCredentials, type AzureCheckResult, type Finding } from '../../src/core/trust/azure/check/check.js';
import { azureCheckReport } from '../../src/core/trust/azure/check/check-report.js';
import { explainCredentials, explainedLines } from '../../src/core/trust/azure/check/explain.js';
import { compileCredentials, type AzureTrustOptions } from '../../src/core/trust/azure/compile.js';
import { parseLiveCredentials } from '../../src/core/trust/azure/check/live-credentials.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { modelledClaims } from '../../src/core/trust/grammar/grammar.js';
import { compileLinearRegex } from '../../src/core/rules/linear-regex.js';
import { entraAdmits, type CredentialToMatch } from '../harness/entra-match.ts';

const GITHUB = 'https://token.actions.githubusercontent.com';
const AUD = 'api://AzureADTokenExchange';

function exact(subject: string, extra: Partial<CredentialToMatch> = {}): CredentialToMatch {
  return { name: `c-${subject.replace(/[^a-z0-9]+/gi, '-')}`.slice(0, 60), issuer: GITHUB, subject, audiences: [AUD], ...extra };
}

function flexible(value: string, extra: Partial<CredentialToMatch> = {}): CredentialToMatch {
  return { name: 'flex', issuer: GITHUB, claimsMatchingExpression: { value, languageVersion: 1 }, audiences: [AUD], ...extra };
}

interface Options {
  readonly issuer?: string;
  readonly allowUnpinned?: boolean;
  readonly platform?: 'github' | 'gitlab';
}

function check(credentials: readonly CredentialToMatch[], rules: string | readonly ClaimRule[], options: Options = {}): AzureCheckResult {
  const all = typeof rules === 'string' ? parseClaimRules(rules) : rules;
  const result = checkCredentials({ credentials: parseLiveCredentials(JSON.stringify(credentials), 'creds.json'), rules: all, issuer: options.issuer ?? GITHUB, audience: AUD, platform: options.platform, allowUnpinned: options.allowUnpinned ?? false });
  // Tokens are of the grammar: the rules on claims outside it cannot hold or fail there.
  // Rules on claims Entra never sees are claimcheck's alone: the verdict promises nothing of them.
  const parsed: ClaimRule[] = all.filter((rule) => modelledClaims(result.grammar).has(rule.claim) && !result.claimcheckOnly.includes(rule));
  for (const finding of result.findings) {
    if (finding.kind === 'gap') {
      expect(entraAdmits(credentials, finding.token), JSON.stringify(finding.token)).toBe('admitted');
      expect(checkClaimRules(parsed, finding.token).every((r) => r.held), JSON.stringify(finding.token)).toBe(false);
    }
    if (finding.kind === 'unpinned') expect(entraAdmits(credentials, finding.token)).toBe('admitted');
    if (finding.kind === 'narrower') {
      expect(entraAdmits(credentials, finding.token)).toBe('refused');
      expect(checkClaimRules(parsed, finding.token).every((r) => r.held)).toBe(true);
    }
  }
  if (result.witness) expect(entraAdmits(credentials, result.witness)).toBe('admitted');
  return result;
}

const kinds = (result: AzureCheckResult) => result.findings.map((finding) => finding.kind);
const gap = (result: AzureCheckResult) => result.findings.find((finding): finding is Extract<Finding, { kind: 'gap' }> => finding.kind === 'gap');

const RULES = 'repository=acme/api\nref=refs/heads/main';

describe('exact credentials', () => {
  it('OK: the immutable subject fixes the ids the rules name', () => {
    const result = check([exact('repo:acme@2/api@1:ref:refs/heads/main')], `${RULES}\nrepository_id=1\nrepository_owner_id=2`);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
    expect(result.witness?.sub).toBe('repo:acme@2/api@1:ref:refs/heads/main');
  });

  it('FAIL: the name-based subject does not fix the repository id (a re-created repository gets in)', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), exact('repo:acme@2/api@1:ref:refs/heads/main')], `${RULES}\nrepository_id=1`);
    expect(gap(result)).toMatchObject({ rule: { source: 'repository_id=1' }, token: { sub: 'repo:acme/api:ref:refs/heads/main' } });
  });

  it('OK for the name-based subject alone, with a note for the immutable one it refuses', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main')], RULES);
    expect(result.verdict).toBe('ok');
    expect(kinds(result)).toEqual(['narrower']);
  });

  it('FAIL: an environment subject does not fix the ref, so a token from another branch is admitted', () => {
    const result = check([exact('repo:acme/api:environment:prod')], RULES);
    expect(result.verdict).toBe('fail');
    expect(gap(result)?.rule.source).toBe('ref=refs/heads/main');
    expect(gap(result)?.token).toMatchObject({ sub: 'repo:acme/api:environment:prod', environment: 'prod' });
    expect(gap(result)?.token.ref).not.toBe('refs/heads/main');
  });

  it('OK, with the actor rule as claimcheck\'s alone: no subject carries the actor and no credential can name it', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main')], `${RULES}\nactor=octocat`);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
    expect(result.claimcheckOnly.map((rule) => rule.source)).toEqual(['actor=octocat']);
  });

  it('FAIL: a subject of another repository', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), exact('repo:evil/api:ref:refs/heads/main')], RULES);
    expect(result.verdict).toBe('fail');
    expect(gap(result)).toMatchObject({ rule: { source: 'repository=acme/api' }, token: { sub: 'repo:evil/api:ref:refs/heads/main' } });
  });

  it('matches case-sensitively: a subject differing in case admits no token the rules allow', () => {
    const result = check([exact('repo:Acme/api:ref:refs/heads/main')], 'repository=acme/api\nref=refs/heads/main');
    // The credential admits Acme's tokens, which the rules refuse; and none the rules allow.
    expect(result.verdict).toBe('fail');
    expect(kinds(result)).toEqual(expect.arrayContaining(['gap', 'unusable']));
  });

  it('FAIL: a credential of another issuer lets its tokens in, which never meet the rules', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), { ...exact('system:serviceaccount:ns:sa'), issuer: 'https://oidc.prod-aks.azure.com/x/' }], RULES);
    expect(result.verdict).toBe('fail');
    expect(result.findings).toContainEqual({ kind: 'other-issuer', credential: 'c-system-serviceaccount-ns-sa', issuer: 'https://oidc.prod-aks.azure.com/x/' });
  });

  it("cannot verify a subject no token of claimcheck's model carries (a customised subject template, or a mistake)", () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), exact('ref:refs/heads/main')], RULES);
    expect(result.verdict).toBe('cannot-verify');
    expect(JSON.stringify(result.findings)).toMatch(/customised subject template/);
  });

  it('notes a credential for the same issuer spelled with a trailing slash: it never matches, and lets no one in', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), { ...exact('repo:evil/api:ref:refs/heads/main'), issuer: `${GITHUB}/` }], RULES);
    expect(result.verdict).toBe('ok');
    expect(kinds(result)).toContain('never-matches');
  });

  it('considers every audience a credential names: a job asks for any audience it likes', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main'), exact('repo:evil/x:ref:refs/heads/main', { audiences: ['other'] })], RULES);
    expect(gap(result)?.token).toMatchObject({ aud: 'other', sub: 'repo:evil/x:ref:refs/heads/main' });
  });

  it('FAIL unusable: no credential lists the audience claimcheck asks for', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main', { audiences: ['other'] })], RULES);
    expect(result.verdict).toBe('fail');
    expect(result.findings).toContainEqual(expect.objectContaining({ kind: 'unusable' }));
  });

  it('FAIL unusable: the credentials admit only tokens the rules refuse', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/dev')], RULES);
    expect(kinds(result)).toEqual(expect.arrayContaining(['gap', 'unusable']));
  });

  it('a pull_request subject admits the base branch of pull_request_target, so a ref rule has a gap', () => {
    const result = check([exact('repo:acme/api:pull_request')], 'repository=acme/api\nref=refs/pull/*/merge');
    expect(gap(result)?.token.ref).toMatch(/^refs\/heads\//);
  });
});

describe('flexible credentials', () => {
  it('OK: a wildcard on the branch within the rules, with the repository id', () => {
    const result = check([flexible("claims['sub'] matches 'repo:acme/api:ref:refs/heads/release-*' and claims['repository_id'] eq '1'")], 'repository=acme/api\nrepository_id=1\nref=refs/heads/release-**');
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
  });

  it("FAIL: Entra's * crosses / where the rule's * does not", () => {
    const result = check([flexible("claims['sub'] matches 'repo:acme/api:ref:refs/heads/release-*' and claims['repository_id'] eq '1'")], 'repository=acme/api\nrepository_id=1\nref=refs/heads/release-*');
    expect(gap(result)?.token.ref).toMatch(/^refs\/heads\/release-.*\//);
  });

  it('FAIL unpinned: a bare wildcard subject admits any repository; --allow-unpinned lifts only that', () => {
    const credentials = [flexible("claims['sub'] matches '*' and claims['repository_owner_id'] eq '2'")];
    expect(check(credentials, 'repository_owner_id=2').findings).toEqual([]);
    const open = [flexible("claims['sub'] matches '*' and claims['job_workflow_ref'] matches '*'")];
    const result = check(open, 'job_workflow_ref=**');
    expect(kinds(result)).toContain('unpinned');
    expect(check(open, 'job_workflow_ref=**', { allowUnpinned: true }).verdict).toBe('ok');
  });

  it("cannot verify when the answer turns on whether Entra's * matches nothing", () => {
    const rules: ClaimRule[] = [...parseClaimRules('repository=acme/api'), { source: 'ref~refs/heads/x[\\s\\S]+', claim: 'ref', alternatives: [{ regex: compileLinearRegex('refs/heads/x[\\s\\S]+') }] }];
    const result = check([flexible("claims['sub'] matches 'repo:acme/api:ref:refs/heads/x*' and claims['repository_id'] eq '1'")], rules);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('cannot-verify');
    expect(result.findings).toContainEqual(expect.objectContaining({ kind: 'undecided', token: expect.objectContaining({ ref: 'refs/heads/x' }), why: [expect.stringMatching(/whether \* matches an empty run/)] }));
  });

  it('cannot verify: an operator Entra does not document, never OK', () => {
    const result = check([flexible("claims['sub'] matches 'repo:acme/api:*' or claims['sub'] eq 'x'")], 'repository=acme/api');
    expect(result.verdict).toBe('cannot-verify');
    expect(JSON.stringify(result.findings)).toMatch(/joins clauses with something other than/);
  });

  it('cannot verify: a claim Entra documents no operator on for GitHub', () => {
    const result = check([flexible("claims['sub'] eq 'repo:acme/api:ref:refs/heads/main' and claims['actor'] eq 'octocat'")], `${RULES}\nactor=octocat`);
    expect(result.verdict).toBe('cannot-verify');
    expect(JSON.stringify(result.findings)).toMatch(/documents no claims\['actor'\] eq/);
  });

  it('cannot verify: an expression on an issuer without flexible credentials', () => {
    const issuer = 'https://ghes.example.com/_services/token';
    const result = check([flexible("claims['sub'] eq 'repo:acme/api:ref:refs/heads/main'", { issuer })], RULES, { issuer, platform: 'github' });
    expect(result.verdict).toBe('cannot-verify');
  });
});

describe('rules claimcheck cannot decide', () => {
  it('leaves a rule on a claim no subject carries to claimcheck, as for AWS: no credential could hold a job to it', () => {
    const result = check([exact('repo:acme/api:ref:refs/heads/main')], `${RULES}\nevent_name=push`);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
    expect(result.claimcheckOnly.map((rule) => rule.source)).toEqual(['event_name=push']);
  });
});

describe('reading the list', () => {
  it('takes az ad app output, az identity output, the raw ARM shape, Graph answers and one object', () => {
    const graph = { name: 'a', issuer: GITHUB, subject: 'repo:acme/api:ref:refs/heads/main', audiences: [AUD], description: null, id: 'x' };
    const identity = { audiences: [AUD], id: '/subscriptions/s/resourcegroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i/federatedIdentityCredentials/b', issuer: GITHUB, name: 'b', resourceGroup: 'r', subject: 's', systemData: null, type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials' };
    const arm = { name: 'c', properties: { issuer: GITHUB, subject: 't', audiences: [AUD] } };
    const identityFlexible = { ...identity, name: 'd', subject: null, claimsMatchingExpression: { languageVersion: 1, value: "claims['sub'] eq 'foo'" } };
    const read = parseLiveCredentials(JSON.stringify([graph, identity, arm, identityFlexible]), 'f');
    expect(read.credentials.map((c) => [c.name, c.subject, c.expression?.value])).toEqual([['a', 'repo:acme/api:ref:refs/heads/main', undefined], ['b', 's', undefined], ['c', 't', undefined], ['d', undefined, "claims['sub'] eq 'foo'"]]);
    expect(read.problems).toEqual([]);
    expect(parseLiveCredentials(JSON.stringify({ '@odata.context': 'x', value: [graph] }), 'f').credentials).toHaveLength(1);
    expect(parseLiveCredentials(JSON.stringify(graph), 'f').credentials).toHaveLength(1);
  });

  it('refuses duplicate keys, and what is not a credential list', () => {
    expect(() => parseLiveCredentials('[{"issuer":"a","issuer":"b","subject":"s","audiences":[]}]', 'f')).toThrow(/the key issuer appears twice/);
    expect(() => parseLiveCredentials('[{"subject":"s","audiences":["a"]}]', 'f')).toThrow(/has no issuer/);
    expect(() => parseLiveCredentials('{', 'f')).toThrow(/is not JSON/);
  });

  it('cannot verify a credential Entra would not hold (a subject and an expression)', () => {
    const result = check([{ ...exact('repo:acme/api:ref:refs/heads/main'), claimsMatchingExpression: { value: "claims['sub'] matches '*'", languageVersion: 1 } }], RULES);
    expect(result.verdict).toBe('cannot-verify');
  });
});

describe('explain --azure-credentials', () => {
  const token = { iss: GITHUB, aud: AUD, sub: 'repo:acme/api:ref:refs/heads/main', repository: 'acme/api', repository_id: '1', ref: 'refs/heads/main' };
  const explain = (credentials: readonly CredentialToMatch[], claims: Record<string, unknown> = token) => explainCredentials(parseLiveCredentials(JSON.stringify(credentials), 'f'), claims);

  it('names the credential that admits the token, and the first field that differs for the others', () => {
    const explained = explain([
      { ...exact('repo:acme/api:ref:refs/heads/main'), name: 'main' },
      { ...exact('repo:Acme/api:ref:refs/heads/main'), name: 'case' },
      { ...exact('repo:acme/api:ref:refs/heads/main'), name: 'aks', issuer: 'https://aks.example/' },
      { ...exact('repo:acme/api:ref:refs/heads/main', { audiences: ['other'] }), name: 'aud' },
    ]);
    expect(explained.answer).toBe('admits');
    expect(explained.credentials.map((entry) => [entry.credential, entry.answer])).toEqual([['main', 'admits'], ['case', 'refuses'], ['aks', 'refuses'], ['aud', 'refuses']]);
    expect(explained.credentials[1]?.why).toMatch(/differ only in case.*AADSTS7002138/);
    expect(explained.credentials[2]?.why).toMatch(/^its issuer "https:\/\/aks.example\/" is not the token's/);
    expect(explained.credentials[3]?.why).toMatch(/^its audiences \["other"\] do not hold the token's aud/);
  });

  it('reads flexible credentials as the check does: a clause that fails, or what Entra does not document', () => {
    expect(explain([flexible("claims['sub'] matches 'repo:acme/api:ref:refs/heads/*' and claims['repository_id'] eq '1'")]).answer).toBe('admits');
    const refused = explain([flexible("claims['sub'] matches 'repo:acme/*' and claims['repository_id'] eq '2'")]);
    expect(refused.credentials[0]).toMatchObject({ answer: 'refuses', why: expect.stringMatching(/^claims\['repository_id'\] is "1"/) });
    expect(explain([flexible("claims['sub'] matches 'repo:acme/*' and claims['actor'] eq 'x'")]).answer).toBe('perhaps');
  });

  it('says whether Entra and the rules agree', () => {
    const admitted = explain([exact('repo:acme/api:ref:refs/heads/main')]);
    expect(explainedLines(admitted, [], true).at(-1)).toMatch(/they agree/);
    expect(explainedLines(admitted, [], false).at(-1)).toMatch(/disagree — Entra lets in a job the rules refuse/);
    expect(explainedLines(explain([exact('repo:acme/api:ref:refs/heads/dev')]), [], true).at(-1)).toMatch(/disagree — a job the rules were written for cannot sign in/);
  });
});

describe('issuers of unknown subject format', () => {
  const TERRAFORM = 'https://app.terraform.io';
  const credential = (value: string): CredentialToMatch => ({ name: 'tfc', issuer: TERRAFORM, claimsMatchingExpression: { value, languageVersion: 1 }, audiences: [AUD] });

  it('FAIL unpinned: a flexible credential that admits every subject', () => {
    const result = check([credential("claims['sub'] matches '*'")], 'sub=organization:acme:project:*:workspace:*:run_phase:*', { issuer: TERRAFORM });
    expect(kinds(result)).toContain('unpinned');
  });

  it('OK: a pattern within the rule', () => {
    const result = check([credential("claims['sub'] matches 'organization:acme:project:infra:workspace:prod:run_phase:*'")], 'sub=organization:acme:project:infra:workspace:prod:run_phase:**', { issuer: TERRAFORM });
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
  });
});

describe('the credentials trust-policy --cloud azure writes, checked against the same rules', () => {
  const write = (rules: string, options: Partial<AzureTrustOptions> = {}) =>
    compileCredentials(parseClaimRules(rules), { issuer: GITHUB, audience: AUD, platform: 'github', subjectFormat: undefined, flexible: 'needed', allowUnpinned: false, ...options });

  it.each([
    ['exact refs, name-based subjects', 'repository=acme/api\nref=refs/heads/main|refs/heads/release', { subjectFormat: 'legacy' as const }],
    ['immutable subjects with the ids', 'repository=acme/api\nrepository_owner_id=2\nrepository_id=1\nref=refs/heads/main', { subjectFormat: 'immutable' as const }],
    ['an environment', 'repository=acme/api\nenvironment=prod', { subjectFormat: 'legacy' as const }],
    ['a ** wildcard as a flexible credential', 'repository=acme/api\nrepository_id=1\nref=refs/heads/release/**', { subjectFormat: 'legacy' as const }],
  ])('OK when every rule binds at Azure exactly: %s', (_, rules, options) => {
    const compiled = write(rules, options);
    expect(compiled.bindings.every((binding) => binding.where === 'azure'), JSON.stringify(compiled.bindings)).toBe(true);
    const result = check(compiled.credentials as readonly CredentialToMatch[], rules);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
  });

  it.each([
    ["a * within a segment (Entra's * is wider)", 'repository=acme/api\nrepository_id=1\nref=refs/heads/release-*'],
    ['ids beside the name-based subject', 'repository=acme/api\nrepository_owner_id=2\nrepository_id=1\nref=refs/heads/main'],
  ])('FAIL when a rule binds only at claimcheck or wider at Azure: %s', (_, rules) => {
    const compiled = write(rules);
    expect(compiled.bindings.some((binding) => binding.where !== 'azure')).toBe(true);
    expect(check(compiled.credentials as readonly CredentialToMatch[], rules).verdict).toBe('fail');
  });

  it('OK beside a rule on a claim Entra never sees, which the report says only claimcheck checks (as AWS does)', () => {
    const rules = 'repository=acme/api\nref=refs/heads/main\nactor=octocat';
    const compiled = write(rules, { subjectFormat: 'legacy' });
    expect(compiled.bindings.find((binding) => binding.rule.claim === 'actor')?.where).toBe('claimcheck');
    const result = check(compiled.credentials as readonly CredentialToMatch[], rules);
    expect(result.verdict, JSON.stringify(result.findings)).toBe('ok');
    expect(result.claimcheckOnly.map((rule) => rule.source)).toEqual(['actor=octocat']);
    expect(azureCheckReport(result, parseClaimRules(rules), GITHUB, AUD)).toContain('Only claimcheck checks actor=octocat: Entra sees no actor claim of this issuer, and the subject does not carry one.');
  });

  it('holds the credentials to a rule on the audience, which Entra matches: another audience listed is a FAIL', () => {
    const result = check([{ name: 'two', issuer: GITHUB, subject: 'repo:acme/api:ref:refs/heads/main', audiences: [AUD, 'api://other'] }], `${RULES}\naud=${AUD}`);
    expect(result.claimcheckOnly).toEqual([]);
    expect(result.verdict).toBe('fail');
    expect(gap(result)?.token.aud).toBe('api://other');
  });

  it('still FAILs a rule on a claim the subject carries but the credential leaves open', () => {
    const result = check([{ name: 'env', issuer: GITHUB, subject: 'repo:acme/api:environment:prod', audiences: [AUD] }], 'repository=acme/api\nref=refs/heads/main');
    expect(result.verdict).toBe('fail');
    expect(result.claimcheckOnly).toEqual([]);
  });
});
