// `trust-policy --cloud gcp --check` decided on providers as describe prints them: each FAIL's
// token is admitted by the harness's Google double (@bufbuild/cel evaluating mapping and
// condition, test/harness/cel.ts) and refused by the rules; what claimcheck cannot read is
// CANNOT VERIFY, never OK.
import { describe, expect, it } from 'vitest';
import { parseClaimRules, checkClaimRules } from '../../src/core/rules/rules.ts';
import { checkProvider, type GcpCheckInput, type GcpCheckResult } from '../../src/core/trust/gcp/check/check.ts';
import type { GcpProvider } from '../../src/core/trust/gcp/check/provider.ts';
import { parseCel } from '../../src/cli/trust/gcp-cel.ts';
import { admit } from '../harness/cel.ts';

const NAME = 'projects/123456789012/locations/global/workloadIdentityPools/ci/providers/github';
const GITHUB = 'https://token.actions.githubusercontent.com';
const AUDIENCE = `https://iam.googleapis.com/${NAME}`;

function provider(condition: string | undefined, extra: Partial<GcpProvider> = {}): GcpProvider {
  return { name: NAME, issuerUri: GITHUB, allowedAudiences: [], attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.repository' }, attributeCondition: condition, disabled: false, state: 'ACTIVE', ...extra };
}

function check(given: GcpProvider, rules: string, options: Partial<GcpCheckInput> = {}): GcpCheckResult {
  return checkProvider({
    provider: given,
    condition: given.attributeCondition ? parseCel(given.attributeCondition) : undefined,
    mapping: Object.fromEntries(Object.entries(given.attributeMapping).map(([key, text]) => [key, parseCel(text)])),
    rules: parseClaimRules(rules),
    issuer: GITHUB,
    audience: AUDIENCE,
    platform: 'github',
    admits: (claims) => admit(given, claims).admitted,
    ...options,
  });
}

/** Every token a FAIL shows: the double admits it, and the rules refuse it. */
function expectProven(result: GcpCheckResult, given: GcpProvider, rules: string): void {
  for (const finding of result.findings) {
    if (finding.kind !== 'gap' && finding.kind !== 'unpinned' && finding.kind !== 'audience') continue;
    expect(admit(given, finding.token).admitted, JSON.stringify(finding.token)).toBe(true);
    if (finding.kind === 'gap') expect(checkClaimRules(parseClaimRules(rules), finding.token).every((result) => result.held)).toBe(false);
  }
}

const RULES = 'repository_id=100000001\nref=refs/heads/main';

describe('a provider that holds jobs to the rules', () => {
  it('is OK when the condition says what the rules say', () => {
    const given = provider('assertion.repository_id == "100000001" && assertion.ref == "refs/heads/main"');
    const result = check(given, RULES);
    expect(result.findings).toEqual([]);
    expect(result.verdict).toBe('ok');
    expect(result.witness?.repository_id).toBe('100000001');
  });

  it('is OK through attributes mapped from plain claims, in, startsWith and anchored matches', () => {
    const given = provider('attribute.repository_id in ["100000001"] && assertion.ref.startsWith("refs/heads/") && assertion["ref"].matches("^refs/heads/ma(in)$")', {
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository_id': 'assertion.repository_id' },
    });
    expect(check(given, RULES).verdict).toBe('ok');
  });
});

describe('a provider that admits more', () => {
  it('FAILs with a token the double admits when a rule is not checked', () => {
    const given = provider('assertion.repository_id == "100000001"');
    const result = check(given, RULES);
    expect(result.verdict).toBe('fail');
    expect(result.findings.map((finding) => finding.kind)).toContain('gap');
    expectProven(result, given, RULES);
  });

  it('FAILs on an unanchored matches(), which finds the pattern anywhere', () => {
    const given = provider('assertion.repository_id == "100000001" && assertion.ref.matches("refs/heads/main")');
    const result = check(given, RULES);
    expect(result.verdict).toBe('fail');
    const gap = result.findings.find((finding) => finding.kind === 'gap');
    expect(gap && 'token' in gap ? gap.token.ref : undefined).not.toBe('refs/heads/main');
    expectProven(result, given, RULES);
  });

  it('FAILs when an || lets another repository in', () => {
    const given = provider('assertion.repository_id == "100000001" && assertion.ref == "refs/heads/main" || assertion.repository_owner == "acme"');
    const result = check(given, RULES);
    expect(result.verdict).toBe('fail');
    expectProven(result, given, RULES);
  });

  it('FAILs, as unpinned, a condition on the branch only', () => {
    const given = provider('assertion.ref == "refs/heads/main"');
    const result = check(given, 'ref=refs/heads/main');
    expect(result.findings.map((finding) => finding.kind)).toContain('unpinned');
    expectProven(result, given, 'ref=refs/heads/main');
    expect(check(given, 'ref=refs/heads/main', { allowUnpinned: true }).verdict).toBe('ok');
  });

  it('FAILs a provider of another issuer, another audience, or one disabled', () => {
    const ok = 'assertion.repository_id == "100000001" && assertion.ref == "refs/heads/main"';
    expect(check(provider(ok, { issuerUri: 'https://gitlab.com' }), RULES).findings).toEqual([{ kind: 'issuer', trusted: 'https://gitlab.com' }]);
    const other = provider(ok, { allowedAudiences: [AUDIENCE, 'sts.amazonaws.com'] });
    const result = check(other, RULES);
    expect(result.findings.map((finding) => finding.kind)).toEqual(['audience']);
    expectProven(result, other, RULES);
    // Refusing the step's audience, it admits only tokens minted for another service.
    expect(check(provider(ok, { allowedAudiences: ['sts.amazonaws.com'] }), RULES).findings.map((finding) => finding.kind)).toEqual(['audience-refused', 'audience']);
    // A condition that holds tokens to the provider's own audience keeps the other one out.
    const held = provider(`${ok} && assertion.aud == "${AUDIENCE}"`, { allowedAudiences: [AUDIENCE, 'sts.amazonaws.com'] });
    expect(check(held, RULES).verdict).toBe('ok');
    expect(check(provider(ok, { disabled: true }), RULES).findings.map((finding) => finding.kind)).toEqual(['disabled']);
  });

  it('FAILs a missing claim that the condition lets through: !(x == y) is an error, not true, when x is missing', () => {
    const given = provider('assertion.repository_id == "100000001" && !(assertion.environment == "prod") && assertion.ref == "refs/heads/main"');
    const result = check(given, `${RULES}\nenvironment=dev`);
    expect(result.verdict).toBe('fail');
    expectProven(result, given, `${RULES}\nenvironment=dev`);
  });
});

describe('what claimcheck cannot read', () => {
  it('is CANNOT VERIFY when a gap turns on it, naming the sub-expression', () => {
    // A token with another ref and a subject over 300 characters would get in; the search finds none to show.
    const given = provider('assertion.repository_id == "100000001" && (assertion.ref == "refs/heads/main" || size(assertion.sub) > 300)');
    const result = check(given, RULES);
    expect(result.verdict).toBe('cannot-verify');
    expect(JSON.stringify(result.findings)).toContain('size(assertion.sub) > 300');
  });

  it('FAILs when the CEL evaluator admits the token the search found, though the part is not read', () => {
    const given = provider('assertion.repository_id == "100000001" && (assertion.ref == "refs/heads/main" || size(assertion.sub) > 3)');
    const result = check(given, RULES);
    expect(result.verdict).toBe('fail');
    expectProven(result, given, RULES);
  });

  it('proves nothing with a token of a few claims when the condition reads the token as a whole', () => {
    const given = provider('assertion.repository_id == "100000001" && size(assertion) < 20');
    const result = check(given, RULES);
    expect(result.verdict).toBe('cannot-verify');
    expect(JSON.stringify(result.findings)).toContain('reads the token as a whole');
  });

  it('stays a FAIL when the gap does not turn on it', () => {
    const given = provider('assertion.repository_id == "100000001" && size(assertion.sub) > 3');
    expect(check(given, RULES).verdict).toBe('fail');
  });

  it('is CANNOT VERIFY for an attribute mapped from an expression, a claim not modelled, RE2 flags, or a condition that does not parse', () => {
    const pinned = 'assertion.repository_id == "100000001" && ';
    const mapped = provider(`${pinned}attribute.branch == "refs/heads/main"`, { attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.branch': 'assertion.ref.lowerAscii()' } });
    expect(check(mapped, RULES).verdict).toBe('cannot-verify');
    // A claim the grammar does not model takes any value: no gap turns on it here, and that a job can use
    // the provider assumes GitHub gives event_name "push", said in a note.
    const push = check(provider(`${pinned}assertion.ref == "refs/heads/main" && assertion.event_name == "push"`), RULES);
    expect(push.verdict).toBe('ok');
    expect(push.findings).toEqual([{ kind: 'assumed', claims: ['event_name'], token: expect.objectContaining({ event_name: 'push' }) as unknown }]);
    expect(check(provider(`${pinned}(assertion.ref == "refs/heads/main" || assertion.event_name == "push")`), RULES).verdict).toBe('cannot-verify');
    expect(check(provider(`${pinned}assertion.ref.matches("(?i)^refs/heads/main$")`), RULES).verdict).toBe('cannot-verify');
    expect(check(provider(`${pinned}assertion.ref ==`), RULES).findings[0]?.kind).toBe('unreadable');
  });
});

describe('the other direction', () => {
  it('notes tokens the rules allow and the provider refuses', () => {
    const given = provider('assertion.repository_id == "100000001" && assertion.ref == "refs/heads/main" && assertion.actor == "octocat"');
    const result = check(given, RULES);
    expect(result.verdict).toBe('ok');
    const note = result.findings.find((finding) => finding.kind === 'narrower');
    expect(note && 'token' in note && admit(given, note.token).admitted).toBe(false);
  });

  it('FAILs a provider that admits no token the rules allow', () => {
    expect(check(provider('assertion.repository_id == "100000001" && assertion.ref == "refs/heads/dev"'), RULES).findings.map((finding) => finding.kind)).toContain('unusable');
  });
});

describe('a role map', () => {
  const entries = [parseClaimRules('ref=refs/heads/main'), parseClaimRules('environment=prod')];

  it('is OK when the condition admits exactly the tokens of some entry', () => {
    const given = provider('assertion.repository_id == "100000001" && (assertion.ref == "refs/heads/main" || has(assertion.environment) && assertion.environment == "prod")');
    expect(check(given, 'repository_id=100000001', { entries }).verdict).toBe('ok');
  });

  it('FAILs with a token the double admits and no entry allows', () => {
    const given = provider('assertion.repository_id == "100000001" && (assertion.ref == "refs/heads/main" || has(assertion.environment))');
    const result = check(given, 'repository_id=100000001', { entries });
    const finding = result.findings.find((item) => item.kind === 'no-entry');
    expect(finding && 'token' in finding ? finding.token.environment : undefined).not.toBe('prod');
    expect(finding && 'token' in finding && admit(given, finding.token).admitted).toBe(true);
    expect(result.verdict).toBe('fail');
  });
});

