// `trust-policy --cloud gcp --check` against an oracle written apart from it: the Google
// double's own admission (test/harness/cel.ts: @bufbuild/cel evaluating the mapping and the
// condition text as Google does), on random providers — conditions from the fragment the
// checker reads and beyond it — and random rules. Whenever the verdict is OK, no generated
// GitHub token is admitted by the double and refused by the rules; whenever it is FAIL, every
// token it shows is admitted by the double (and, for a gap, refused by the rules). And the
// RE2 patterns the checker reads mean what @bufbuild/cel's matches() (an RE2 port) does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs, runsFactor } from './budget.ts';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { checkProvider, type GcpCheckResult } from '../../src/core/trust/gcp/check/check.js';
import type { GcpProvider } from '../../src/core/trust/gcp/check/provider.js';
import { re2Lang } from '../../src/core/trust/gcp/check/re2-lang.js';
import { alphabetOf, toDfa } from '../../src/core/trust/lang/lang.js';
import { accepts } from '../../src/core/trust/lang/dfa.js';
import { admission, parseCel } from '../../src/cli/trust/gcp-cel.js';
import { admit, evaluateCel } from '../harness/cel.ts';
import { GITHUB_ISSUER, githubToken, holds, ruleLines, rulesOf } from './trust-arbitraries.ts';
import { PLATFORM_CASES, type PlatformCase } from './trust-platforms.ts';
import { compileProvider } from '../../src/core/trust/gcp/compile.js';
import { parseProviderName } from '../../src/core/gcp/provider.js';
import type { RoleEntry } from '../../src/core/rules/rules-file.js';

const TIMEOUT = 60_000 * runsFactor();
const NAME = 'projects/123456789012/locations/global/workloadIdentityPools/ci/providers/github';
const AUDIENCE = `https://iam.googleapis.com/${NAME}`;

type Claims = Readonly<Record<string, string>>;

const quote = (text: string) => JSON.stringify(text);

interface Vocabulary {
  readonly claims: readonly string[];
  readonly values: readonly string[];
  readonly patterns: readonly string[];
  /** Conditions that pin a repository or project, put in front of most random ones. */
  readonly pins: readonly string[];
}

const ref = (claim: string) => (/^[a-z_]+$/.test(claim) ? `assertion.${claim}` : `assertion[${quote(claim)}]`);

/** Conditions: the fragment the checker reads, and parts beyond it. */
function conditionOf(words: Vocabulary): fc.Arbitrary<string> {
  const claimRef = fc.constantFrom(...words.claims).chain((claim) => fc.constantFrom(ref(claim), `assertion[${quote(claim)}]`, ...(claim === 'repository' ? ['attribute.repository'] : claim === 'sub' ? ['google.subject'] : [])));
  const value = fc.constantFrom(...words.values).map(quote);
  const atom: fc.Arbitrary<string> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(claimRef, fc.constantFrom('==', '!='), value).map(([item, op, text]) => `${item} ${op} ${text}`) },
    { weight: 2, arbitrary: fc.tuple(claimRef, fc.array(value, { minLength: 1, maxLength: 3 })).map(([item, items]) => `${item} in [${items.join(', ')}]`) },
    { weight: 3, arbitrary: fc.tuple(claimRef, fc.constantFrom('startsWith', 'endsWith', 'contains'), value).map(([item, fn, text]) => `${item}.${fn}(${text})`) },
    { weight: 3, arbitrary: fc.tuple(claimRef, fc.constantFrom(...words.patterns)).map(([item, pattern]) => `${item}.matches(${quote(pattern)})`) },
    { weight: 1, arbitrary: fc.constantFrom(...words.claims).chain((claim) => fc.constantFrom(`has(${ref(claim)})`, `${quote(claim)} in assertion`)) },
    { weight: 2, arbitrary: fc.constantFrom('size(assertion.sub) > 20', 'assertion.sub.size() < 40', 'assertion.event_name == "push"', 'assertion.sub == assertion.aud', 'assertion.sub.lowerAscii() == "x"', 'attribute.branch == "refs/heads/main"', 'true', 'false') },
  );
  const node = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: atom },
      { weight: 2, arbitrary: fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a} && ${b})`) },
      { weight: 1, arbitrary: fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a} || ${b})`) },
      { weight: 1, arbitrary: tie('node').map((a) => `!(${a})`) },
      { weight: 1, arbitrary: fc.tuple(tie('node'), tie('node'), tie('node')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`) },
    ),
  })).node;
  // Most providers pin a repository or project (else nearly every verdict is the unpinned FAIL).
  return fc.tuple(fc.constantFrom('', ...words.pins.map((pin) => `${pin} && `)), node).map(([pin, rest]) => `${pin}${rest}`);
}

const GITHUB_WORDS: Vocabulary = {
  claims: ['sub', 'repository', 'repository_owner', 'repository_id', 'repository_owner_id', 'ref', 'environment', 'actor', 'job_workflow_ref', 'aud'],
  values: ['sts.amazonaws.com', 'acme/api', 'acme', 'evil', 'api', '1', '2', '10', 'refs/heads/main', 'refs/heads/', 'refs/tags/', 'main', 'prod', 'repo:acme/api:', 'repo:acme/', 'repo:acme/api:ref:refs/heads/main', 'environment:prod', 'pull_request', ':', '/', ''],
  patterns: [
    '^refs/heads/(main|dev)$', 'refs/heads/main', '^acme/', 'api$', '^[0-9]+$', '^[12]$', '^repo:acme/[a-z.]+:.*$', '^refs/(heads|tags)/[^/]+$', 'a.i',
    '^\\d{1,2}$', '\\.x$', '^acme/api|^evil/', '^$', '(?i)^ACME/API$', '\\bapi\\b', '^[[:alpha:]]+/api$', '^\\x{61}cme/\\w+$', 'prod\\s*', '^repo:acme/api:environment:\\S+$', '^(?:^acme/api$)$',
  ],
  pins: ['assertion.repository_id == "1"', 'assertion.repository_id == "1" && assertion.aud != "sts.amazonaws.com"', 'assertion.repository_id in ["1", "2"]', 'attribute.repository == "acme/api"', 'assertion.sub.startsWith("repo:acme/api:")'],
};

const mapping = fc.record({
  environment: fc.boolean(),
  branch: fc.constantFrom('assertion.ref', 'assertion.ref.lowerAscii()', undefined),
}).map(({ environment, branch }) => ({
  'google.subject': 'assertion.sub',
  'attribute.repository': 'assertion.repository',
  ...(environment ? { 'attribute.environment': 'assertion.environment' } : {}),
  ...(branch ? { 'attribute.branch': branch } : {}),
}));


/** Real GitHub tokens for the provider's audience, with the claims the grammar does not model. */
const token = fc.tuple(githubToken(GITHUB_ISSUER), fc.constantFrom('push', 'pull_request')).map(([claims, event]) => ({ ...claims, aud: AUDIENCE, event_name: event }));


/** The audiences Google takes for the provider (its list, else its own name in both forms), as the double checks them. */
function takes(provider: GcpProvider, aud: string | undefined): boolean {
  const own = [`https://iam.googleapis.com/${provider.name}`, `//iam.googleapis.com/${provider.name}`];
  return (provider.allowedAudiences.length > 0 ? provider.allowedAudiences : own).includes(aud ?? '');
}

function holdsTo(provider: GcpProvider, rules: readonly ClaimRule[], result: GcpCheckResult, tokens: readonly Claims[], entries: ReadonlyArray<readonly ClaimRule[]> = []): void {
  // Google's side: the audience, then the double's own CEL admission; the step's: a token meant for this provider, and the rules.
  const admitted = (claims: Claims) => takes(provider, claims.aud) && admit(provider, claims).admitted;
  const meets = (list: readonly ClaimRule[], claims: Claims) => checkClaimRules(list, claims).every((outcome) => outcome.held);
  const ownAudience = (claims: Claims) => claims.aud === AUDIENCE || claims.aud === `//iam.googleapis.com/${provider.name}`;
  const allowed = (claims: Claims) => ownAudience(claims) && meets(rules, claims) && (entries.length === 0 || entries.some((entry) => meets(entry, claims)));
  const show = (claims: unknown) => () => JSON.stringify({ condition: provider.attributeCondition, audiences: provider.allowedAudiences, mapping: provider.attributeMapping, rules: rules.map((rule) => rule.source), claims, findings: result.findings });
  if (result.witness) holds(admitted(result.witness) && allowed(result.witness), show(result.witness));
  for (const finding of result.findings) {
    if (finding.kind === 'gap' || finding.kind === 'no-entry' || finding.kind === 'audience') holds(admitted(finding.token) && !allowed(finding.token), show(finding.token));
    if (finding.kind === 'unpinned') holds(admitted(finding.token), show(finding.token));
    if (finding.kind === 'unusable' || finding.kind === 'audience-refused') for (const claims of tokens) holds(!(admitted(claims) && allowed(claims)), show(claims));
    if (finding.kind === 'narrower') holds(!admitted(finding.token) && allowed(finding.token), show(finding.token));
  }
  const kinds = new Set(result.findings.map((finding) => finding.kind));
  if (result.verdict === 'ok' || !(kinds.has('undecided') || kinds.has('unreadable') || kinds.has('gap') || kinds.has('no-entry') || kinds.has('audience'))) {
    for (const claims of tokens) holds(!(admitted(claims) && !allowed(claims)), show(claims));
  }
}

const OTHER_AUDIENCE = 'sts.amazonaws.com';
const audiences = fc.constantFrom<readonly string[]>([], [], [], [], [AUDIENCE], [AUDIENCE, OTHER_AUDIENCE], [OTHER_AUDIENCE]);
/** Tokens minted for this provider, mostly, and some for another service. */
const anyAudienceToken = fc.tuple(token, fc.constantFrom(AUDIENCE, AUDIENCE, AUDIENCE, OTHER_AUDIENCE, `//iam.googleapis.com/${NAME}`)).map(([claims, aud]) => ({ ...claims, aud }));

describe('trust-policy --cloud gcp --check against the Google double', () => {
  it('keeps its promises on random conditions and rules (github.com tokens)', () => {
    const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
    const budget = runs(600);
    fc.assert(
      fc.property(conditionOf(GITHUB_WORDS), mapping, ruleLines, audiences, fc.array(anyAudienceToken, { minLength: 10, maxLength: 25 }), (text, attributeMapping, lines, allowedAudiences, tokens) => {
        const provider: GcpProvider = { name: NAME, issuerUri: GITHUB_ISSUER.url, allowedAudiences, attributeMapping, attributeCondition: text, disabled: false, state: 'ACTIVE' };
        const rules = rulesOf(lines);
        const result = checkProvider({
          provider, condition: parseCel(text), mapping: Object.fromEntries(Object.entries(attributeMapping).map(([key, expression]) => [key, parseCel(expression)])),
          rules, issuer: GITHUB_ISSUER.url, audience: AUDIENCE, platform: 'github', admits: (claims) => admission(provider, claims).admitted,
        });
        tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
        holdsTo(provider, rules, result, tokens);
      }),
      budget,
    );
    console.log(`gcp --check verdicts: ${JSON.stringify(tally)}`);
    // Every verdict is reached often enough for the property to mean something.
    expect(tally.ok).toBeGreaterThan(budget.numRuns / 100);
    expect(tally.fail).toBeGreaterThan(budget.numRuns / 4);
    expect(tally['cannot-verify']).toBeGreaterThan(budget.numRuns / 30);
  }, TIMEOUT);
});

/** A pin of each platform's project or repository, by id where it has one. */
const PLATFORM_PINS: Readonly<Record<PlatformCase['name'], readonly string[]>> = {
  gitlab: ['assertion.project_id == "42"', 'assertion.namespace_id == "7"'],
  circleci: ['assertion["oidc.circleci.com/project-id"] == "3f1c0c2e-0000-4000-8000-000000000001"'],
  buildkite: ['assertion.organization_id == "3f1c0c2e-0000-4000-8000-000000000005"', 'assertion.sub.startsWith("organization:acme:pipeline:deploy:")'],
  bitbucket: ['assertion.repositoryUuid == "{5d6b0e4a-0000-4000-8000-000000000001}"', 'assertion.sub.startsWith("{5d6b0e4a-0000-4000-8000-000000000001}:")'],
};

function platformWords(platform: PlatformCase): Vocabulary {
  const ruleValues = Object.values(platform.rules).flat();
  return {
    claims: [...new Set(['sub', ...Object.keys(platform.rules), ...platform.keyed])],
    values: [...new Set([...platform.values, ...ruleValues].map((text) => text.replace(/\*+/g, '')))],
    patterns: ['^acme', 'main$', '^project_path:acme/api:', ':ref:refs/heads/main:', '^refs/heads/', '^[0-9]+$', '^\\{[0-9a-f-]+\\}', '^3f1c0c2e-', '(?i)acme', '.'],
    pins: PLATFORM_PINS[platform.name],
  };
}

const platformRules = (platform: PlatformCase) => fc.array(fc.constantFrom(...Object.entries(platform.rules).flatMap(([claim, patterns]) => patterns.map((pattern) => `${claim}=${pattern}`))), { minLength: 1, maxLength: 3 });

describe.each(PLATFORM_CASES.map((platform) => [platform.name, platform] as const))('trust-policy --cloud gcp --check on %s tokens', (_, platform) => {
  it('keeps its promises against the Google double', () => {
    const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
    const budget = runs(150);
    const audience = `https://iam.googleapis.com/${NAME}`;
    fc.assert(
      fc.property(conditionOf(platformWords(platform)), platformRules(platform), fc.array(platform.token.map((claims) => ({ ...claims, aud: audience })), { minLength: 10, maxLength: 20 }), (text, lines, tokens) => {
        const provider: GcpProvider = { name: NAME, issuerUri: platform.url, allowedAudiences: [], attributeMapping: { 'google.subject': 'assertion.sub' }, attributeCondition: text, disabled: false, state: 'ACTIVE' };
        const rules = parseClaimRules(lines.join('\n'));
        const result = checkProvider({
          provider, condition: parseCel(text), mapping: { 'google.subject': parseCel('assertion.sub') },
          rules, issuer: platform.url, audience, platform: platform.name, admits: (claims) => admission(provider, claims).admitted,
        });
        tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
        holdsTo(provider, rules, result, tokens);
      }),
      budget,
    );
    console.log(`gcp --check verdicts on ${platform.name}: ${JSON.stringify(tally)}`);
    expect(tally.fail).toBeGreaterThan(budget.numRuns / 5);
    expect((tally.ok ?? 0) + (tally['cannot-verify'] ?? 0)).toBeGreaterThan(budget.numRuns / 30);
  }, TIMEOUT);

  it('passes a provider claimcheck compiles from the rules: no gap', () => {
    const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
    fc.assert(
      fc.property(platformRules(platform), fc.array(platform.token, { minLength: 5, maxLength: 10 }), (lines, tokens) => {
        const rules = parseClaimRules(lines.join('\n'));
        const compiled = compileProvider({ platform: platform.name, rules, roles: [], issuer: platform.url, audiences: [], provider: parseProviderName(NAME), subject: undefined, allowUnpinned: true });
        const provider: GcpProvider = { name: NAME, issuerUri: platform.url, allowedAudiences: [], attributeMapping: compiled.attributeMapping, attributeCondition: compiled.attributeCondition, disabled: false, state: 'ACTIVE' };
        const result = checkProvider({
          provider, condition: parseCel(compiled.attributeCondition), mapping: Object.fromEntries(Object.entries(compiled.attributeMapping).map(([key, expression]) => [key, parseCel(expression)])),
          rules, issuer: platform.url, audience: AUDIENCE, platform: platform.name, allowUnpinned: true, admits: (claims) => admission(provider, claims).admitted,
        });
        tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
        holds(!result.findings.some((finding) => finding.kind === 'gap' || finding.kind === 'undecided'), () => JSON.stringify({ condition: compiled.attributeCondition, findings: result.findings }));
        holdsTo(provider, rules, result, tokens.map((claims) => ({ ...claims, aud: AUDIENCE })));
      }),
      runs(100),
    );
    expect(tally.ok).toBeGreaterThan(10);
  }, TIMEOUT);
});

describe('a provider claimcheck compiles from the rules', () => {
  it('passes its own check: no gap, whatever the rules', () => {
    const kinds: Record<string, number> = {};
    fc.assert(
      fc.property(ruleLines, fc.array(ruleLines, { maxLength: 3 }), fc.array(token, { minLength: 5, maxLength: 10 }), (lines, roleLines, tokens) => {
        const rules = rulesOf(lines);
        const roles = roleLines.map((entry, index) => ({ name: `entry${index}`, rules: rulesOf(entry) }) as unknown as RoleEntry);
        const compiled = compileProvider({ platform: 'github', rules, roles, issuer: GITHUB_ISSUER.url, audiences: [], provider: parseProviderName(NAME), subject: undefined, allowUnpinned: true });
        const provider: GcpProvider = { name: NAME, issuerUri: GITHUB_ISSUER.url, allowedAudiences: [], attributeMapping: compiled.attributeMapping, attributeCondition: compiled.attributeCondition, disabled: false, state: 'ACTIVE' };
        const result = checkProvider({
          provider, condition: parseCel(compiled.attributeCondition), mapping: Object.fromEntries(Object.entries(compiled.attributeMapping).map(([key, expression]) => [key, parseCel(expression)])),
          rules, entries: roles.map((entry) => entry.rules), issuer: GITHUB_ISSUER.url, audience: AUDIENCE, platform: 'github', allowUnpinned: true, admits: (claims) => admission(provider, claims).admitted,
        });
        for (const finding of result.findings) kinds[finding.kind] = (kinds[finding.kind] ?? 0) + 1;
        holds(!result.findings.some((finding) => finding.kind === 'gap' || finding.kind === 'no-entry' || finding.kind === 'undecided' && !/event_name/.test(finding.why.join(' '))), () => JSON.stringify({ condition: compiled.attributeCondition, findings: result.findings }));
        holdsTo(provider, rules, result, tokens, roles.map((entry) => entry.rules));
      }),
      runs(300),
    );
    console.log(`compiled providers' findings: ${JSON.stringify(kinds)}`);
  }, TIMEOUT);
});

const PIECES = ['a', 'b', '/', '.', ':', '\\.', '.', '\\s', '\\S', '\\d', '\\w', '\\W', '[a-c]', '[^a]', '[a\\-/]', '(a|b)', '(?:ab|/)', '*', '+', '?', '{1,2}', '{2}', '^', '$', '|', '\\x41', '\\x{e9}', '\\n', '(?P<x>a)', 'é', '[\\s]', '\\v', '(', ')', '[', ']', '{', '}', '\\', '-', '{,2}', '[]a]', '[^]a]', '\\b', '(?i)', '[[:alpha:]]', '\\Q', '\\z', '\\pL', '\\_', '\\$', '[$]', '\\^', '[a-]', '[-a]', '[\\d-z]', '[z-a]', '^(?:', '(?:^', '$)', ')$', '^(', '(?P<n>^'];
const TEXT_CHARS = ['a', 'b', 'c', '/', '.', ':', 'A', '1', ' ', '\n', '\u000b', '\t', '\r', 'é', '-', '\u2028'];

describe("the RE2 patterns the checker reads", () => {
  it("mean what @bufbuild/cel's matches() does, on every text tried", () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }), fc.array(fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 6 }).map((chars) => chars.join('')), { minLength: 5, maxLength: 10 }), (pieces, texts) => {
        const pattern = pieces.join('');
        const read = re2Lang(pattern);
        if (!('lang' in read)) return;
        const dfa = toDfa(read.lang, alphabetOf([read.lang]));
        for (const text of texts) {
          const outcome = evaluateCel(`s.matches(${quote(pattern)})`, { s: text });
          // A pattern RE2 refuses makes matches() an error; the checker must not have read it as a language.
          holds('value' in outcome, () => `${quote(pattern)} was read, and matches() says ${JSON.stringify(outcome)}`);
          holds(accepts(dfa, text) === (outcome as { value: unknown }).value, () => `${quote(pattern)} on ${quote(text)}: checker ${accepts(dfa, text)}, CEL ${JSON.stringify(outcome)}`);
          compared++;
        }
      }),
      runs(1500),
    );
    expect(compared).toBeGreaterThan(2000);
  }, TIMEOUT);
});
