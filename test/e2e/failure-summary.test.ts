// A failed run explains itself where people look: on GitHub, the step summary says what went
// wrong, which claims the job presented, which rules held and failed, and what to do next,
// read here the way GitHub reads it (harness/markdown.ts: GFM parsed by micromark). The
// annotation keeps its two lines: the error, then the hint.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorAnnotation, visibleOutput, type StepRun } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { markdownFacts } from '../harness/markdown.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE as ROLE, runMainStep, startGithubWorld, type GithubWorld } from '../harness/world.ts';

let world: GithubWorld;

beforeAll(async () => {
  world = await startGithubWorld();
});
beforeEach(() => {
  world.endpoint.claims = githubClaims();
  world.sts.faults.length = 0;
  world.sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(world.issuer.host, 'repo:acme/api:ref:refs/heads/main', 'sts.amazonaws.com') }]);
});
afterAll(async () => world?.close());

/** The action as GitHub runs it from a repository: the runner names the action and its ref. */
const FROM_REPOSITORY = { GITHUB_ACTION_REPOSITORY: 'acme-tools/claimcheck', GITHUB_ACTION_REF: 'v1.2.0', GITHUB_SERVER_URL: 'https://github.com' };
const TROUBLESHOOTING = 'https://github.com/acme-tools/claimcheck/blob/v1.2.0/docs/TROUBLESHOOTING.md';

function runAction(inputs: Record<string, string> = {}, env: Record<string, string | undefined> = FROM_REPOSITORY): Promise<StepRun> {
  return runMainStep(world, inputs, { env });
}

function expectFailedStep(run: StepRun, code: string) {
  expect(run.code).not.toBe(0);
  const annotation = errorAnnotation(run).split('\n');
  expect(annotation).toHaveLength(2);
  expect(annotation[0]).toMatch(new RegExp(`^${code}: `));
  expect(annotation[1]).toMatch(/^Hint: /);
  expect(run.exported).toEqual({});
  const secrets = [...world.endpoint.issued, world.endpoint.bearer];
  expect(findLeaks({ summary: run.summary, log: visibleOutput(run) }, secrets)).toEqual([]);
}

/** The summary as GitHub renders it: one heading, only claimcheck's own link, no HTML but the footer's <sub>, two cells a row. */
function readSummary(run: StepRun) {
  const facts = markdownFacts(run.summary);
  expect(facts.headings).toHaveLength(1);
  expect(facts.html).toEqual(['<sub>', '</sub>']);
  expect(new Set(facts.rowCells).size).toBeLessThanOrEqual(1);
  for (const cells of facts.rowCells) expect(cells).toBe(2);
  return facts;
}

describe('a failed run on GitHub writes a step summary', () => {
  it('for a rule that does not hold: the claims presented, the rules that held and failed, and the section to read', async () => {
    world.endpoint.claims = githubClaims({ ref: 'refs/heads/dev', sub: 'repo:acme/api:ref:refs/heads/dev' });
    const run = await runAction({ claims: 'repository=acme/api\nref=refs/heads/main\nenvironment=production' });
    expectFailedStep(run, 'RULE_FAILED');
    const facts = readSummary(run);
    expect(facts.headings).toEqual(['❌ claimcheck did not assume deploy']);
    expect(facts.code).toEqual(expect.arrayContaining([
      'RULE_FAILED',
      'Claim rule ref=refs/heads/main does not hold: the token\'s ref is "refs/heads/dev". Rules that held: repository=acme/api.',
      // The claims: who the job is, and every claim a rule names.
      'sub', 'repo:acme/api:ref:refs/heads/dev', 'repository_id', '123456789', 'ref', 'refs/heads/dev', 'run_id', '4242424242',
      'repository=acme/api', 'ref=refs/heads/main', 'ref is "refs/heads/dev"', 'environment=production', 'the token has no environment claim',
    ]));
    expect(run.summary).toContain('**Claim rules** (1 held, 2 failed)');
    expect(run.summary).toContain('- ✅ `repository=acme/api`\n- ❌ `ref=refs/heads/main` — `ref is "refs/heads/dev"`\n- ❌ `environment=production`');
    expect(facts.code).toEqual(expect.arrayContaining([expect.stringMatching(/^claimcheck explain --token-file <this job's token> --issuer http:\/\/127\.0\.0\.1:\d+ --audience sts\.amazonaws\.com --rules-file/)]));
    expect(facts.links).toEqual(['RULE_FAILED']);
    expect(run.summary).toContain(`[RULE_FAILED](${TROUBLESHOOTING}#rule_failed)`);
    // Claims are not secrets; the token they came from is (checked by expectFailedStep).
    expect(run.summary).not.toContain('jti');
  });

  it("for AccessDenied: the claims STS refused, and claimcheck explain --trust-policy as the next step", async () => {
    world.endpoint.claims = githubClaims({ sub: 'repo:acme/api:environment:prod', environment: 'prod' });
    const before = world.sts.calls.length;
    const run = await runAction();
    expectFailedStep(run, 'STS_ACCESS_DENIED');
    expect(world.sts.calls.length - before).toBe(1);
    const facts = readSummary(run);
    expect(facts.headings).toEqual(['❌ claimcheck did not assume deploy']);
    expect(facts.code).toEqual(expect.arrayContaining(['STS_ACCESS_DENIED', 'sub', 'repo:acme/api:environment:prod', 'environment', 'prod', 'aud', 'sts.amazonaws.com']));
    const command = facts.code.find((text) => text.startsWith('aws iam get-role'));
    expect(command).toMatch(/^aws iam get-role --role-name deploy > role\.json && claimcheck explain --token-file <this job's token> --issuer http:\/\/127\.0\.0\.1:\d+ --audience sts\.amazonaws\.com --trust-policy role\.json$/);
    expect(run.summary).toContain('**Next step:** Save the role\'s trust policy');
    expect(run.summary).toContain(`${TROUBLESHOOTING}#sts_access_denied`);
    // The hint is in the summary whole, as is the annotation's second line.
    expect(facts.code).toContain(errorAnnotation(run).split('\n')[1]!.replace(/^Hint: /, ''));
  });

  it('masks the account ID in the summary too when asked', async () => {
    world.endpoint.claims = githubClaims({ sub: 'repo:acme/api:environment:prod', environment: 'prod' });
    const run = await runAction({ 'mask-aws-account-id': 'true' });
    expectFailedStep(run, 'STS_ACCESS_DENIED');
    expect(run.summary).toContain('arn:aws:iam::***:role/deploy');
    expect(run.summary).not.toContain('111122223333');
  });

  it('for a bad input: the error and the section, and no claims, as no token was asked for', async () => {
    const before = world.endpoint.requests.length;
    const run = await runAction({ 'role-duration-seconds': '90000' });
    expectFailedStep(run, 'INPUT_INVALID');
    expect(world.endpoint.requests.length).toBe(before);
    const facts = readSummary(run);
    expect(facts.headings).toEqual(['❌ claimcheck failed']);
    expect(run.summary).toContain('No claims to show: no token was verified.');
    expect(run.summary).toContain(`${TROUBLESHOOTING}#input_invalid`);
  });

  it('for a token that does not verify: rules listed as not checked', async () => {
    world.endpoint.fixedAudience = 'https://github.com/acme';
    try {
      const run = await runAction({ claims: 'repository=acme/api' });
      expectFailedStep(run, 'TOKEN_AUDIENCE');
      readSummary(run);
      expect(run.summary).toContain('No claims to show: no token was verified.');
      expect(run.summary).toContain('**Claim rules** (1, not checked: no token was verified)');
    } finally {
      world.endpoint.fixedAudience = undefined;
    }
  });

  it('names the section by path when the runner does not say where the action comes from (uses: ./)', async () => {
    const run = await runAction({ claims: 'environment=production' }, {});
    expectFailedStep(run, 'RULE_FAILED');
    const facts = readSummary(run);
    expect(facts.links).toEqual([]);
    expect(facts.code).toContain('docs/TROUBLESHOOTING.md#rule_failed');
  });

  it('shows hostile claims as literal text: no link, mention, HTML or extra cell', async () => {
    const ref = 'refs/heads/(www.evil.example)-x@evil.example-#123-@acme/team-:smile:-<img src=x onerror=alert(1)>-|-`tick`-[a](https://evil.example)';
    world.endpoint.claims = githubClaims({ ref, actor: 'https://evil.example/@octocat', environment: '<!-- -->\n| forged | row |', sub: 'repo:acme/api:ref:www.evil.example' });
    const run = await runAction({ claims: 'ref=refs/heads/main\nenvironment=prod\nactor=octocat' });
    expectFailedStep(run, 'RULE_FAILED');
    const facts = readSummary(run);
    expect(facts.links).toEqual(['RULE_FAILED']);
    for (const text of facts.outsideCode) expect(text).not.toMatch(/evil|@|#\d|:smile:|<|www|forged/);
    expect(facts.code).toEqual(expect.arrayContaining([ref, 'https://evil.example/@octocat', '<!-- -->\\n| forged | row |']));
  });

  it('refuses runner variables that are not plain names as the link', async () => {
    const run = await runAction({ claims: 'environment=production' }, { GITHUB_ACTION_REPOSITORY: 'acme/claimcheck', GITHUB_ACTION_REF: 'v1)](https://evil.example', GITHUB_SERVER_URL: 'https://github.com' });
    expectFailedStep(run, 'RULE_FAILED');
    expect(readSummary(run).links).toEqual([]);
  });
});
