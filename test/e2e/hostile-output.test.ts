// Claims that talk to whoever reads claimcheck's output: workflow commands for the GitHub
// runner (`##[stop-commands]` to unmask what follows, forged outputs and annotations),
// terminal escape sequences, Unicode line separators that split the audit record for some
// log readers, and Markdown that links, mentions or renders HTML in the step summary. The
// built Action, orb bundle and CLI run with tokens whose claims carry them; their output is
// read the way the runner (harness/runner-log.ts), a GFM renderer (harness/markdown.ts) and
// a terminal would, and nothing may act.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJob, renderCommand, runOrbStep, loadOrb } from '../harness/circleci.ts';
import { errorAnnotation, REPO_ROOT, run, startTokenEndpoint, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, githubClaims, startIssuer, type Claims, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { markdownFacts } from '../harness/markdown.ts';
import { readAsRunner, type RunnerView } from '../harness/runner-log.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE, runMainStep } from '../harness/world.ts';

const [node24] = nodeRuntimes();

/** A character no reader should get raw (see src/core/text/inert-text.ts). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/u;
/** ESC sequences for a terminal: clear the screen, a hyperlink (OSC 8), colour by the one-character CSI, right-to-left override. */
const TERMINAL = '\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u009b31mred\u202eevil';
const SEPARATORS = 'a\u2028b\u2029c\u0085d';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({
    providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com', CIRCLE_ORGANIZATION_ID] }],
    roles: [{ arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, '*') }],
  });
});
afterAll(async () => {
  await Promise.all([sts?.close(), endpoint?.close()]);
  await issuer?.close();
});

/** Every secret of the runs so far: tokens handed out, credentials issued, the token request bearer. */
function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.accessKeyId, c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

async function runAction(claims: Claims, inputs: Record<string, string> = {}): Promise<{ run: StepRun; view: RunnerView }> {
  endpoint.claims = claims;
  const step = await runMainStep({ issuer, endpoint, sts }, inputs);
  rmSync(step.dir, { recursive: true, force: true });
  // One command manager reads both streams; the Action writes nothing to stderr here.
  expect(step.stderr).toBe('');
  return { run: step, view: readAsRunner(step.stdout) };
}

/** The audit record, as a log reader finds it: the one line that starts with claimcheck-audit. */
function auditLine(lines: readonly string[]): string {
  const found = lines.filter((line) => line.startsWith('claimcheck-audit '));
  expect(found).toHaveLength(1);
  return (found[0] as string).slice('claimcheck-audit '.length);
}

/** Split as any log reader might: at CR, LF, NEL, LS and PS. */
function unicodeLines(text: string): string[] {
  return text.split(/\r\n|[\r\n\u0085\u2028\u2029]/);
}

/** The runner ran claimcheck's own commands only, every mask took effect, and no secret shows. */
function expectOnlyOwnCommands(run: StepRun, view: RunnerView, extra: readonly string[] = []): void {
  expect(findLeaks({ shown: view.shown.join('\n') }, secrets())).toEqual([]);
  expect(findLeaks({ log: visibleOutput(run), outputs: run.files.GITHUB_OUTPUT ?? '', state: run.files.GITHUB_STATE ?? '', summary: run.summary }, secrets())).toEqual([]);
  const issued = sts.issued.at(-1);
  if (run.code === 0 && issued) expect(view.masks).toEqual(expect.arrayContaining([issued.secretAccessKey, issued.sessionToken, endpoint.issued.at(-1)]));
  const own = new Set(secrets());
  for (const command of view.commands) {
    expect(command.syntax, command.line).toBe('v2');
    expect(['add-mask', 'debug', ...extra], command.line).toContain(command.name);
    if (command.name === 'add-mask') expect(own.has(command.data), 'only secrets are masked').toBe(true);
  }
  for (const line of view.shown) expect(line, 'a raw control, format or separator character').not.toMatch(UNSAFE);
}

describe('claims that carry workflow commands, against the built Action', () => {
  const CASES: Array<[string, Claims]> = [
    ['the subject stops commands, so that the credentials would not be masked', { sub: 'repo:acme/api:environment:##[stop-commands]claimcheck-pwned' }],
    ['the environment sets an output', { environment: 'prod ##[set-output name=pwned;]forged' }],
    ['the workflow forges an error annotation', { job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/##[error file=README.md,line=1]forged' }],
    ['the actor forges a warning, masks a word and opens a group', { actor: '##[warning]forged ##[add-mask]main ##[group]x' }],
    ['the ref starts new lines with commands', { ref: 'refs/heads/x\r::set-output name=pwned::y\n::stop-commands::z\r\n##[error]w' }],
  ];

  it.each(CASES)('%s: nothing but claimcheck\'s own commands, every mask in effect, outputs its own', async (_, hostile) => {
    const claims = githubClaims(hostile);
    const { run, view } = await runAction(claims);
    expect(run.code).toBe(0);
    expectOnlyOwnCommands(run, view);
    expect(Object.keys(run.outputs).sort()).toEqual(['authenticated-arn', 'aws-account-id', 'aws-expiration']);
    expect(run.exported.AWS_SECRET_ACCESS_KEY).toBe(sts.issued.at(-1)?.secretAccessKey);
    // Still readable: the audit record gives the claims back exactly.
    const audit = JSON.parse(auditLine(view.shown)) as { subject: string; job: Record<string, string> };
    expect(audit.subject).toBe(claims.sub);
    expect(audit.job).toMatchObject({ Repository: claims.repository, Ref: claims.ref, Actor: claims.actor });
  });

  it('shows the subject on the "Verified the token" line as a JSON string that reads back as the claim', async () => {
    const sub = 'repo:acme/api:environment:##[stop-commands]x\u009b31m';
    const { view } = await runAction(githubClaims({ sub }));
    const line = view.shown.find((text) => text.startsWith('Verified the token'));
    const shown = /: sub (".*")\.$/.exec(line ?? '')?.[1];
    expect(shown).toBe('"repo:acme/api:environment:##\\u005bstop-commands]x\\u009b31m"');
    expect(JSON.parse(shown as string)).toBe(sub);
  });

  it('a rule that fails on such a claim: one error annotation, inert, that still shows the value', async () => {
    const claims = githubClaims({ environment: `##[stop-commands]claimcheck-pwned ${TERMINAL}` });
    const { run, view } = await runAction(claims, { claims: 'environment=prod' });
    expect(run.code).toBe(1);
    expectOnlyOwnCommands(run, view, ['error']);
    expect(view.commands.filter((command) => command.name === 'error')).toHaveLength(1);
    const annotation = errorAnnotation(run);
    expect(annotation).toMatch(/^RULE_FAILED: Claim rule environment=prod does not hold: the token's environment is "##\\u005bstop-commands\]claimcheck-pwned \\u001b\[2J\\u001b\]8;;https:\/\/evil\.example\\u0007click/);
    expect(annotation).not.toContain('##[');
    expect(annotation.split('\n')).toHaveLength(2);
    for (const line of annotation.split('\n')) expect(line).not.toMatch(UNSAFE);
  });

  it('keeps the audit record on one line for readers that split at U+2028, U+2029 and U+0085, and escape sequences out of the log', async () => {
    const claims = githubClaims({ environment: SEPARATORS, actor: TERMINAL });
    const { run, view } = await runAction(claims);
    expect(run.code).toBe(0);
    expectOnlyOwnCommands(run, view);
    const line = auditLine(view.shown);
    expect(unicodeLines(line)).toHaveLength(1);
    expect(line).toContain('"Environment":"a\\u2028b\\u2029c\\u0085d"');
    expect((JSON.parse(line) as { job: Record<string, string> }).job).toMatchObject({ Environment: SEPARATORS, Actor: TERMINAL });
    for (const text of unicodeLines(run.stdout)) expect(text).not.toMatch(UNSAFE);
  });

  it('renders every claim in the step summary as literal text: no link, mention, emoji, HTML or extra cell', async () => {
    const ref = 'refs/heads/(www.evil.example)-x@evil.example-#123-@acme/team-:smile:-<img src=x onerror=alert(1)>-|-`tick`-[a](https://evil.example)-*em*-&lt;';
    const claims = githubClaims({ ref, actor: 'https://evil.example/@octocat', environment: '<!-- -->\n| forged | row |', sub: 'repo:acme/api:ref:www.evil.example' });
    const { run } = await runAction(claims);
    expect(run.code).toBe(0);
    const facts = markdownFacts(run.summary);
    expect(facts.links).toEqual([]);
    expect(facts.html).toEqual(['<sub>', '</sub>']);
    expect(new Set(facts.rowCells)).toEqual(new Set([2]));
    for (const text of facts.outsideCode) expect(text).not.toMatch(/evil|@|#\d|:smile:|<|www|forged/);
    expect(facts.code).toEqual(expect.arrayContaining([ref, 'https://evil.example/@octocat', '<!-- -->\\n| forged | row |', 'repo:acme/api:ref:www.evil.example']));
  });
});

describe('claims that carry escape sequences, against the orb and the CLI', () => {
  it('the orb prints them as visible escapes, and its audit record stays one line that reads back', async () => {
    const vcsRef = `refs/heads/${TERMINAL}${SEPARATORS}\r\nforged: line ##[stop-commands]x`;
    const token = await issuer.sign(circleciClaims({ 'oidc.circleci.com/vcs-ref': vcsRef }), { expiresIn: 3600 });
    endpoint.issued.push(token);
    const job = newJob({ nodeDir: dirname(node24!.node), token, bundleUrl: 'http://127.0.0.1:9/unused' });
    try {
      const [step] = renderCommand(loadOrb(), 'assume_role', { role_to_assume: DEPLOY_ROLE, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, audience: CIRCLE_ORGANIZATION_ID });
      const result = await runOrbStep(job, { ...step!, command: `exec node ${join(REPO_ROOT, 'dist/circleci/index.js')}` });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = unicodeLines(result.stdout);
      for (const line of lines) expect(line).not.toMatch(UNSAFE);
      expect(lines.filter((line) => line.startsWith('forged'))).toEqual([]);
      expect(result.stdout).toMatch(/ Ref: +refs\/heads\/\\u001b\[2J\\u001b\]8;;https:\/\/evil\.example\\u0007click/);
      const audit = JSON.parse(auditLine(lines)) as { job: Record<string, string> };
      expect(audit.job.Ref).toBe(vcsRef);
      expect(readAsRunner(result.stdout).commands).toEqual([]);
      expect(findLeaks({ stdout: result.stdout }, secrets())).toEqual([]);
    } finally {
      rmSync(job.dir, { recursive: true, force: true });
    }
  });

  it('claimcheck explain shows claim names and values with visible escapes, and a condition that reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claimcheck-explain-'));
    try {
      const sub = `repo:acme/api:ref:refs/heads/${TERMINAL}`;
      const path = join(dir, 'token');
      writeFileSync(path, await issuer.sign(githubClaims({ sub, [`name${TERMINAL}`]: 'x', environment: SEPARATORS })));
      const result = await run(node24!.node, [join(REPO_ROOT, 'bin/claimcheck.js'), 'explain', '--token-file', path, '--no-verify', '--claims', 'environment=prod'], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
      expect(result.code).toBe(1);
      for (const line of unicodeLines(result.stdout + result.stderr)) expect(line).not.toMatch(UNSAFE);
      expect(result.stdout).toMatch(/^ {2}sub +repo:acme\/api:ref:refs\/heads\/\\u001b\[2J\\u001b\]8;;https:\/\/evil\.example\\u0007click\\u001b\]8;;\\u0007\\u009b31mred\\u202eevil$/m);
      expect(result.stdout).toMatch(/^ {2}name\\u001b\[2J.*\\u202eevil +x$/m);
      expect(result.stdout).toContain('  FAILED  environment=prod: environment is "a\\u2028b\\u2029c\\u0085d"');
      const condition = result.stdout.split('\n').find((line) => line.startsWith('  {"StringEquals"'));
      expect(Object.values((JSON.parse(condition ?? '{}') as { StringEquals: Record<string, string> }).StringEquals)).toContain(sub);
      expect(readAsRunner(result.stdout + result.stderr).commands).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
