// `npm run bench` (scripts/bench.sh): how fast and how big the built bundles are. The
// loopback issuer, GitHub token endpoint and STS run in this process; each measured process
// (the Action's main and post steps on Node 24 and 20, the CLI on Node 24 — assume, and the
// trust decisions of scripts/bench-trust.ts: --check of 20 statements, audit of 500 roles — and a bare
// `node -e 0` as the floor) is a child, timed from spawn to exit. Prints Markdown tables;
// writes the same figures as one JSON document to bench-results.json (with --json, prints
// that document to stdout instead of the tables). Options: --runs N (measured runs, default
// 20), --warmup N (3), --rss-runs N (runs under GNU time for peak RSS, 5; 0 skips),
// --latency MS (each service answers MS later, as a network round trip would; 0), --only IDS
// (comma-separated case ids such as main-node24, each measured with its floor), --json.
// The issuer serves its keys where GitHub's does, so that claimcheck's prediction of the key
// set's URL holds, as it does against GitHub. The critical-path budget of the Action's main
// step on Node 24 (floor + 2 × latency + 120 ms: start-up, the token request alongside the
// issuer's keys, then STS) is printed as met or not met, with its figures.
import childProcess from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, run, runStep, startTokenEndpoint } from '../test/harness/github.ts';
import type { TokenEndpoint } from '../test/harness/github.ts';
import { startIssuer, type TestIssuer } from '../test/harness/issuer.ts';
import { nodeRuntimes } from '../test/harness/runtimes.ts';
import type { Runtime } from '../test/harness/runtimes.ts';
import { startSts } from '../test/harness/sts.ts';
import { webIdentityTrustPolicy } from '../test/harness/trust-policy.ts';
import { DEPLOY_ROLE as ROLE } from '../test/harness/world.ts';
import { writeTrustFixtures, type TrustFixtures } from './bench-trust.ts';
const GNU_TIME = '/usr/bin/time';
const RESULTS_FILE = join(REPO_ROOT, 'bench-results.json');
const BUNDLES = ['main', 'post', 'circleci', 'cli'];
// DESIGN §3.7: configure-aws-credentials' dist/index.js, 3.09 MB (10^6 bytes).
const CONFIGURE_AWS_CREDENTIALS_BYTES = 3_090_000;
const CHILD_ENV = { PATH: '/usr/bin:/bin', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const TIMEOUT_MS = 60_000;
/** The budget's case, and what it may take beyond its floor and two round trips. */
const BUDGET_CASE = 'main-node24';
const BUDGET_ALLOWANCE_MS = 120;
const BUDGET_LATENCY_MS = 50;

interface Settings {
  readonly runs: number;
  readonly warmup: number;
  readonly rssRuns: number;
  readonly latencyMs: number;
  readonly only: readonly string[] | undefined;
  readonly json: boolean;
}

interface Budget {
  readonly caseId: string;
  readonly latencyMs: number;
  readonly floorMs: number;
  readonly allowanceMs: number;
  readonly budgetMs: number;
  readonly medianMs: number;
  readonly met: boolean;
}

interface Stats {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

/** One kind of measured process. `once` runs it and throws unless it did its job. */
interface Case {
  readonly id: string;
  readonly label: string;
  readonly runtime: Runtime;
  /** The case whose median is this runtime's floor; undefined for the floors themselves. */
  readonly floorId: string | undefined;
  readonly once: () => Promise<void>;
}

interface CaseResult {
  readonly id: string;
  readonly label: string;
  readonly runtime: string;
  readonly samplesMs: number[];
  readonly ms: Stats;
  readonly floorRatio: number | null;
  readonly overFloorMs: number | null;
  readonly rssKb: number[];
  readonly rssMedianKb: number | null;
  readonly rssMaxKb: number | null;
}

interface FileSize {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

interface BundleSize {
  readonly bundle: string;
  readonly files: FileSize[];
  readonly bytes: number;
  readonly gzipBytes: number;
}

interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly loadAverage: number[];
  loadAverageAfter: number[];
  readonly benchNode: string;
  readonly runtimes: Record<string, string>;
  readonly commit: string;
}

interface ActionSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly configureAwsCredentialsBytes: number;
  readonly ratio: number;
}

interface Services {
  readonly issuer: TestIssuer;
  readonly endpoint: TokenEndpoint;
  readonly stsUrl: string;
  close(): Promise<void>;
}

// --- spawn probe -------------------------------------------------------------------------
// runStep parses action.yml and writes the command files before it spawns, so timing around
// it would count the harness too. Wrapping child_process.spawn (which the harness imports)
// times exactly spawn → exit, and lets the RSS pass put GNU time in front of node.
const probe = { lastMs: Number.NaN, rssFile: undefined as string | undefined };

function installSpawnProbe(): void {
  const original = childProcess.spawn;
  const probed = (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    const argv = probe.rssFile ? ['-f', '%M', '-o', probe.rssFile, command, ...args] : args;
    const started = performance.now();
    const child = original(probe.rssFile ? GNU_TIME : command, argv, options);
    child.once('exit', () => (probe.lastMs = performance.now() - started));
    return child;
  };
  Object.defineProperty(childProcess, 'spawn', { value: probed, configurable: true, writable: true });
  syncBuiltinESMExports();
}

// --- settings ----------------------------------------------------------------------------
function count(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, warmup: { type: 'string' }, 'rss-runs': { type: 'string' }, latency: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  return {
    runs: count('runs', values.runs, 20, 1),
    warmup: count('warmup', values.warmup, 3, 0),
    rssRuns: count('rss-runs', values['rss-runs'], 5, 0),
    latencyMs: count('latency', values.latency, 0, 0),
    only: values.only === undefined ? undefined : values.only.split(',').map((id) => id.trim()).filter((id) => id !== ''),
    json: values.json === true,
  };
}

// --- statistics --------------------------------------------------------------------------
/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2 : (sorted[Math.floor(middle)] as number);
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), p90: percentile(sorted, 90), min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

// --- the measured processes --------------------------------------------------------------
/** GitHub's services: an issuer that serves its key set where GitHub's does (/.well-known/jwks), its token endpoint, STS. */
async function startServices(latencyMs: number): Promise<Services> {
  const issuer = await startIssuer({ latencyMs, jwksPath: '/.well-known/jwks' });
  const endpoint = await startTokenEndpoint(issuer, { latencyMs });
  const trustPolicy = webIdentityTrustPolicy(issuer.host, 'repo:acme/api:ref:refs/heads/main', 'sts.amazonaws.com');
  const sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy }], latencyMs });
  const close = async () => {
    await Promise.all([sts.close(), endpoint.close()]);
    await issuer.close();
  };
  return { issuer, endpoint, stsUrl: sts.url, close };
}

function expect(ok: boolean, what: string, output: { code: number | null; stdout: string; stderr: string }): void {
  if (!ok) throw new Error(`${what} failed (exit ${output.code}):\n${output.stdout}\n${output.stderr}`);
}

/** The Action's main step; returns its state for the post step. */
async function mainStep(runtime: Runtime, services: Services): Promise<Record<string, string>> {
  const inputs = { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', issuer: services.issuer.url, 'sts-endpoint': services.stsUrl };
  const step = await runStep({ node: runtime.node, script: join(REPO_ROOT, 'dist/main/index.js'), tokenEndpoint: services.endpoint, inputs, env: CHILD_ENV, timeoutMs: TIMEOUT_MS });
  rmSync(step.dir, { recursive: true, force: true });
  expect(step.code === 0 && step.exported.AWS_SESSION_TOKEN !== undefined, `main step on ${runtime.name}`, step);
  return step.state;
}

async function postStep(runtime: Runtime, state: Record<string, string>): Promise<void> {
  const step = await runStep({ node: runtime.node, script: join(REPO_ROOT, 'dist/post/index.js'), state, env: CHILD_ENV, timeoutMs: TIMEOUT_MS });
  rmSync(step.dir, { recursive: true, force: true });
  expect(step.code === 0, `post step on ${runtime.name}`, step);
}

async function cliAssume(runtime: Runtime, services: Services, dir: string): Promise<void> {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, await services.issuer.sign(services.endpoint.claims));
  const args = ['assume', '--token-file', tokenFile, '--issuer', services.issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'us-east-1', '--sts-endpoint', services.stsUrl, '--format', 'json'];
  const result = await run(runtime.node, [join(REPO_ROOT, 'dist/cli/index.js'), ...args], { ...CHILD_ENV, HOME: dir }, TIMEOUT_MS);
  expect(result.code === 0 && result.stdout.includes('"SessionToken"'), `CLI assume on ${runtime.name}`, result);
}

/** `trust-policy --check` (20 statements, 10 rules: exit 1, it finds gaps) or `audit` (500 roles: exit 1, some are open). */
async function cliTrust(runtime: Runtime, args: readonly string[], what: string, dir: string): Promise<void> {
  const result = await run(runtime.node, [join(REPO_ROOT, 'dist/cli/index.js'), ...args], { ...CHILD_ENV, HOME: dir }, TIMEOUT_MS);
  expect(result.code === 1 && /^(FAIL|\[)/m.test(result.stdout), `CLI ${what} on ${runtime.name}`, result);
}

async function floor(runtime: Runtime): Promise<void> {
  const result = await run(runtime.node, ['-e', '0'], CHILD_ENV, TIMEOUT_MS);
  expect(result.code === 0, `node -e 0 on ${runtime.name}`, result);
}

async function buildCases(services: Services, dir: string, only: readonly string[] | undefined): Promise<Case[]> {
  const [node24, node20] = nodeRuntimes() as [Runtime, Runtime];
  const state = await mainStep(node24, services);
  const cases: Case[] = [];
  for (const [runtime, key] of [[node24, '24'], [node20, '20']] as const) {
    const floorId = `floor-node${key}`;
    cases.push(
      { id: floorId, label: 'node -e 0 (floor)', runtime, floorId: undefined, once: () => floor(runtime) },
      { id: `main-node${key}`, label: 'Action main (dist/main)', runtime, floorId, once: async () => void (await mainStep(runtime, services)) },
      { id: `post-node${key}`, label: 'Action post (dist/post)', runtime, floorId, once: () => postStep(runtime, state) },
    );
  }
  cases.push({ id: 'cli-node24', label: 'CLI assume --format json (dist/cli)', runtime: node24, floorId: 'floor-node24', once: () => cliAssume(node24, services, dir) });
  const trust: TrustFixtures = writeTrustFixtures(dir);
  cases.push(
    { id: 'check-node24', label: TRUST_CASES['check-node24'] as string, runtime: node24, floorId: 'floor-node24', once: () => cliTrust(node24, trust.checkArgs, 'trust-policy --check', dir) },
    { id: 'audit-node24', label: TRUST_CASES['audit-node24'] as string, runtime: node24, floorId: 'floor-node24', once: () => cliTrust(node24, trust.auditArgs, 'audit', dir) },
  );
  return selected(cases, only);
}

/** The cases named by --only, each with its floor; all of them without --only. */
function selected(cases: Case[], only: readonly string[] | undefined): Case[] {
  if (only === undefined) return cases;
  const unknown = only.filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length > 0) throw new Error(`--only: no case ${unknown.join(', ')} (cases: ${cases.map((c) => c.id).join(', ')})`);
  const wanted = new Set(only.flatMap((id) => [id, cases.find((c) => c.id === id)?.floorId ?? id]));
  return cases.filter((c) => wanted.has(c.id));
}

// --- measuring ---------------------------------------------------------------------------
function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

/** Runs every case once per round, round-robin, so drift and neighbours' load hit all alike. */
async function rounds(cases: readonly Case[], count: number, record: (c: Case) => void): Promise<void> {
  for (let round = 0; round < count; round++) {
    for (const c of cases) {
      await c.once();
      record(c);
    }
  }
}

async function measure(cases: readonly Case[], settings: Settings, dir: string): Promise<Map<string, { ms: number[]; rss: number[] }>> {
  const samples = new Map(cases.map((c) => [c.id, { ms: [] as number[], rss: [] as number[] }]));
  progress(`warm-up: ${settings.warmup} round(s) of ${cases.length} processes`);
  await rounds(cases, settings.warmup, () => {});
  progress(`timing: ${settings.runs} round(s)`);
  await rounds(cases, settings.runs, (c) => samples.get(c.id)?.ms.push(probe.lastMs));
  if (settings.rssRuns > 0 && existsSync(GNU_TIME)) {
    progress(`peak RSS: ${settings.rssRuns} round(s) under ${GNU_TIME}`);
    probe.rssFile = join(dir, 'rss');
    // GNU time puts "Command exited with non-zero status N" before the figure for a run that exits non-zero (the trust cases do).
    await rounds(cases, settings.rssRuns, (c) => samples.get(c.id)?.rss.push(Number(readFileSync(probe.rssFile as string, 'utf8').trim().split('\n').at(-1))));
    probe.rssFile = undefined;
  } else if (settings.rssRuns > 0) {
    progress(`peak RSS skipped: ${GNU_TIME} is missing (apt-get install time)`);
  }
  return samples;
}

function summarize(cases: readonly Case[], samples: Map<string, { ms: number[]; rss: number[] }>): CaseResult[] {
  const medians = new Map(cases.map((c) => [c.id, median(samples.get(c.id)?.ms ?? [])]));
  return cases.map((c) => {
    const { ms, rss } = samples.get(c.id) ?? { ms: [], rss: [] };
    const own = stats(ms);
    const floorMedian = c.floorId === undefined ? undefined : medians.get(c.floorId);
    return {
      id: c.id,
      label: c.label,
      runtime: c.runtime.name,
      samplesMs: ms.map((value) => round1(value)),
      ms: { median: round1(own.median), p90: round1(own.p90), min: round1(own.min), max: round1(own.max) },
      floorRatio: floorMedian === undefined ? null : round2(own.median / floorMedian),
      overFloorMs: floorMedian === undefined ? null : round1(own.median - floorMedian),
      rssKb: rss,
      rssMedianKb: rss.length > 0 ? median(rss) : null,
      rssMaxKb: rss.length > 0 ? Math.max(...rss) : null,
    };
  });
}

/** The trust decisions (issue 24): each must decide in under a second, process start included. */
const TRUST_CASES: Readonly<Record<string, string>> = {
  'check-node24': 'CLI trust-policy --check: 20 statements, 10 rules (dist/cli)',
  'audit-node24': 'CLI audit: 500 roles (dist/cli)',
};
const TRUST_BUDGET_MS = 1000;

function trustLine(results: readonly CaseResult[]): string {
  const parts = Object.keys(TRUST_CASES).flatMap((id) => {
    const result = results.find((r) => r.id === id);
    return result ? [`${result.label}: median ${result.ms.median.toFixed(1)} ms (p90 ${result.ms.p90.toFixed(1)}), ${result.ms.median < TRUST_BUDGET_MS ? 'under' : 'OVER'} ${TRUST_BUDGET_MS} ms`] : [];
  });
  return parts.length === 0 ? 'Trust decisions: not measured.' : `Trust decisions (spawn → exit, Node 24): ${parts.join('; ')}.`;
}

/** The critical-path budget: the main step's median against floor + 2 × latency + allowance. */
function budgetOf(results: readonly CaseResult[], latencyMs: number): Budget | undefined {
  const main = results.find((r) => r.id === BUDGET_CASE);
  if (!main || main.overFloorMs === null) return undefined;
  const floorMs = round1(main.ms.median - main.overFloorMs);
  const budgetMs = round1(floorMs + 2 * latencyMs + BUDGET_ALLOWANCE_MS);
  return { caseId: BUDGET_CASE, latencyMs, floorMs, allowanceMs: BUDGET_ALLOWANCE_MS, budgetMs, medianMs: main.ms.median, met: main.ms.median <= budgetMs };
}

function budgetLine(budget: Budget | undefined): string {
  if (!budget) return `Critical-path budget: not measured (it needs the case ${BUDGET_CASE}).`;
  const verdict = budget.met ? `met (${(budget.budgetMs - budget.medianMs).toFixed(1)} ms to spare)` : `not met (${(budget.medianMs - budget.budgetMs).toFixed(1)} ms over)`;
  const note = budget.latencyMs === BUDGET_LATENCY_MS ? '' : ` (the budget is set for --latency ${BUDGET_LATENCY_MS})`;
  return (
    `Critical-path budget (Action main, Node 24, services ${budget.latencyMs} ms away): median ${budget.medianMs.toFixed(1)} ms against ` +
    `floor ${budget.floorMs.toFixed(1)} + 2 × ${budget.latencyMs} + ${budget.allowanceMs} = ${budget.budgetMs.toFixed(1)} ms: ${verdict}${note}.`
  );
}

// --- sizes -------------------------------------------------------------------------------
function bundleSize(bundle: string): BundleSize {
  const dir = join(REPO_ROOT, 'dist', bundle);
  const files = readdirSync(dir)
    .sort()
    .map((file) => {
      const content = readFileSync(join(dir, file));
      return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
    });
  const sum = (key: 'bytes' | 'gzipBytes') => files.reduce((total, file) => total + file[key], 0);
  return { bundle, files, bytes: sum('bytes'), gzipBytes: sum('gzipBytes') };
}

/** The Action's code, as DESIGN §3.7 counts configure-aws-credentials': dist/main and dist/post. */
function actionSize(sizes: readonly BundleSize[]): ActionSize {
  const action = sizes.filter((size) => size.bundle === 'main' || size.bundle === 'post');
  const bytes = action.reduce((total, size) => total + size.bytes, 0);
  const gzipBytes = action.reduce((total, size) => total + size.gzipBytes, 0);
  return { bytes, gzipBytes, configureAwsCredentialsBytes: CONFIGURE_AWS_CREDENTIALS_BYTES, ratio: round2(bytes / CONFIGURE_AWS_CREDENTIALS_BYTES) };
}

// --- the machine -------------------------------------------------------------------------
async function machine(): Promise<Machine> {
  const versions: Record<string, string> = {};
  for (const runtime of nodeRuntimes()) {
    versions[runtime.name] = (await run(runtime.node, ['--version'], CHILD_ENV, TIMEOUT_MS)).stdout.trim();
  }
  const head = await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], CHILD_ENV, TIMEOUT_MS);
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: round1(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: loadavg().map(round2),
    loadAverageAfter: [],
    benchNode: process.version,
    runtimes: versions,
    commit: head.code === 0 ? head.stdout.trim() : 'unknown',
  };
}

// --- output ------------------------------------------------------------------------------
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const thousands = (value: number) => value.toLocaleString('en-US');
const mib = (kb: number | null) => (kb === null ? '–' : (kb / 1024).toFixed(1));
const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;

function timingTable(results: readonly CaseResult[], settings: Settings): string {
  const lines = [
    `### Time to credentials (ms, spawn → exit; ${settings.runs} runs after ${settings.warmup} warm-up; peak RSS over ${settings.rssRuns} runs; services answer after ${settings.latencyMs} ms)`,
    '',
    row(['Process', 'Runtime', 'median', 'p90', 'min', 'max', '× floor', '+ floor (ms)', 'peak RSS median (MiB)', 'peak RSS max (MiB)']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const r of results) {
    const ratio = r.floorRatio === null ? '1' : r.floorRatio.toFixed(2);
    const over = r.overFloorMs === null ? '–' : r.overFloorMs.toFixed(1);
    lines.push(row([r.label, r.runtime, r.ms.median.toFixed(1), r.ms.p90.toFixed(1), r.ms.min.toFixed(1), r.ms.max.toFixed(1), ratio, over, mib(r.rssMedianKb), mib(r.rssMaxKb)]));
  }
  return lines.join('\n');
}

function sizeTable(sizes: readonly BundleSize[], action: ActionSize): string {
  const lines = ['### Bundle sizes (bytes; gzip level 9)', '', row(['Bundle', 'File', 'raw', 'gzip']), row(['---', '---', '---:', '---:'])];
  for (const size of sizes) {
    for (const file of size.files) lines.push(row([`dist/${size.bundle}`, file.file, thousands(file.bytes), thousands(file.gzipBytes)]));
    lines.push(row([`**dist/${size.bundle}**`, '**total**', `**${thousands(size.bytes)}**`, `**${thousands(size.gzipBytes)}**`]));
  }
  lines.push(
    '',
    `The Action (dist/main + dist/post): ${thousands(action.bytes)} bytes (gzip ${thousands(action.gzipBytes)}) = ` +
      `${action.ratio.toFixed(2)} × configure-aws-credentials' dist/index.js (3.09 MB, DESIGN §3.7).`,
  );
  return lines.join('\n');
}

function header(info: Machine): string {
  const runtimes = Object.values(info.runtimes).join(', ');
  return [
    `## claimcheck bench (${info.date}, commit ${info.commit})`,
    '',
    `Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Linux ${info.kernel}.`,
    // Neighbours' load skews the figures: compare the load averages before and after.
    `Load average (1, 5, 15 min): ${info.loadAverage.join(' ')} before, ${info.loadAverageAfter.join(' ')} after.`,
    `Runtimes: ${runtimes} (bench process and loopback services: ${info.benchNode}).`,
  ].join('\n');
}

// --- main --------------------------------------------------------------------------------
async function main(): Promise<void> {
  const settings = readSettings();
  installSpawnProbe();
  const info = await machine();
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-bench-'));
  const services = await startServices(settings.latencyMs);
  let results: CaseResult[];
  try {
    const cases = await buildCases(services, dir, settings.only);
    results = summarize(cases, await measure(cases, settings, dir));
    info.loadAverageAfter = loadavg().map(round2);
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const sizes = BUNDLES.map(bundleSize);
  const action = actionSize(sizes);
  const budget = budgetOf(results, settings.latencyMs);
  const document = { machine: info, settings: { runs: settings.runs, warmup: settings.warmup, rssRuns: settings.rssRuns, latencyMs: settings.latencyMs }, timings: results, budget: budget ?? null, sizes: { bundles: sizes, action } };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
  if (settings.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  else console.log([header(info), timingTable(results, settings), budgetLine(budget), trustLine(results), sizeTable(sizes, action), `JSON: ${RESULTS_FILE}`].join('\n\n'));
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
