// `npm run bench` (scripts/bench.sh): how fast and how big the built bundles are. For each
// latency (--latency, default 0 and 50 ms per request) the loopback services (GitHub's issuer
// and token endpoint, AWS STS, Google's STS and IAM Credentials: scripts/bench/services.ts) run
// in this process, and each measured process is a child timed from spawn to exit under GNU
// time (CPU time, peak RSS): a bare `node -e 0` (the floor), the Action's main step for AWS and
// for Google (with and without a service account), the CLI, a credential_process answered from
// its cache and one that renews at STS, the post step, and the trust decisions (trust-policy
// --check of 20 statements, audit of 500 roles: scripts/bench/trust.ts); with --compare-with <checkout>, configure-aws-credentials' main
// step from that checkout (build it there yourself; nothing of it is kept here); with
// --baseline <dist folder>, claimcheck's cases again on another build (a copy of main's dist/),
// for before/after. The cases run round-robin, one run each per round, so drift and the
// neighbours' load hit all alike. Prints Markdown tables with each target of issue 22 as met or
// missed by how much; writes the same as one JSON document to bench-results.json (--json
// prints it instead).
//
// Options: --runs N (20), --warmup N (3), --latency MS[,MS…] (0,50), --only IDS (comma-separated
// case ids, each measured with its floor; main-node20 and floor-node20 only this way),
// --compare-with DIR, --baseline DIR, --cpu-prof DIR, --json.
//
// Where the time goes: --cpu-prof DIR runs every case once more after timing with
// `--cpu-prof --cpu-prof-dir=DIR/<case>` (profiles open in Chrome DevTools' Performance panel
// or speedscope). The "first request" column is from spawn to the first request any service
// received: what start-up costs before the network can help. Profiles of a minified bundle
// name modules by number; ncc without --minify (as in scripts/build.mjs, into build/) keeps
// their names.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, run } from '../test/harness/github.ts';
import { nodeRuntimes, type Runtime } from '../test/harness/runtimes.ts';
import { CHILD_ENV, claimcheckCases, extraEnv, floorCase, node20Cases, referenceCase, resetFixtures, trustCases, type BuildFixtures, type Case } from './bench/cases.ts';
import { GNU_TIME, installProbes, sample, type Sample } from './bench/measure.ts';
import { latencyTable, summarize, verdicts, type LatencyResult } from './bench/report.ts';
import { startServices } from './bench/services.ts';

const RESULTS_FILE = join(REPO_ROOT, 'bench-results.json');
const BUNDLES = ['main', 'post', 'circleci', 'cli'];
// DESIGN §3.7: configure-aws-credentials' dist/index.js, 3.09 MB (10^6 bytes).
const CONFIGURE_AWS_CREDENTIALS_BYTES = 3_090_000;

interface Settings {
  readonly runs: number;
  readonly warmup: number;
  readonly latencies: number[];
  readonly only: readonly string[] | undefined;
  readonly compareWith: string | undefined;
  readonly baseline: string | undefined;
  readonly cpuProf: string | undefined;
  readonly json: boolean;
}

// --- settings ----------------------------------------------------------------------------------
function count(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

function folder(name: string, text: string | undefined, needs: readonly string[]): string | undefined {
  if (text === undefined) return undefined;
  const dir = resolve(text);
  const missing = needs.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) throw new Error(`--${name} ${dir}: no ${missing.join(', ')} there`);
  return dir;
}

function readSettings(): Settings {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({
    options: { runs: text, warmup: text, latency: text, only: text, 'compare-with': text, baseline: text, 'cpu-prof': text, json: { type: 'boolean' } },
    strict: true,
  });
  return {
    runs: count('runs', values.runs ?? '20', 1),
    warmup: count('warmup', values.warmup ?? '3', 0),
    latencies: (values.latency ?? '0,50').split(',').map((ms) => count('latency', ms.trim(), 0)),
    only: values.only?.split(',').map((id) => id.trim()).filter((id) => id !== ''),
    compareWith: folder('compare-with', values['compare-with'], ['dist/index.js', 'action.yml']),
    baseline: folder('baseline', values.baseline, ['main/index.js', 'cli/index.js', 'post/index.js']),
    cpuProf: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    json: values.json === true,
  };
}

// --- cases -------------------------------------------------------------------------------------
function allCases(settings: Settings, fixtures: BuildFixtures[], dir: string): Case[] {
  const [node24, node20] = nodeRuntimes() as [Runtime, Runtime];
  const fixturesIn = (name: string): BuildFixtures => ({ tokenDir: mkdtempSync(join(dir, `${name}-cli-`)) });
  const ours = fixturesIn('dist');
  fixtures.push(ours);
  const cases = [floorCase(node24, '24'), ...claimcheckCases(node24, join(REPO_ROOT, 'dist'), ours), ...trustCases(node24, join(REPO_ROOT, 'dist'), mkdtempSync(join(dir, 'trust-')))];
  if (settings.baseline) {
    const theirs = fixturesIn('baseline');
    fixtures.push(theirs);
    cases.push(...claimcheckCases(node24, settings.baseline, theirs, 'baseline'));
  }
  if (settings.compareWith) cases.push(referenceCase(node24, settings.compareWith));
  return selected([...cases, ...node20Cases(node20, join(REPO_ROOT, 'dist'))], settings.only);
}

/** The cases named by --only, each with its floor; without --only, all but the optional ones. */
function selected(cases: Case[], only: readonly string[] | undefined): Case[] {
  if (only === undefined) return cases.filter((c) => !c.optional);
  const unknown = only.filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length > 0) throw new Error(`--only: no case ${unknown.join(', ')} (cases: ${cases.map((c) => c.id).join(', ')})`);
  const wanted = new Set(only.flatMap((id) => [id, cases.find((c) => c.id === id)?.floorId ?? id]));
  return cases.filter((c) => wanted.has(c.id));
}

// --- measuring ---------------------------------------------------------------------------------
function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

async function measureAt(latencyMs: number, cases: readonly Case[], settings: Settings, dir: string, fixtures: readonly BuildFixtures[]): Promise<LatencyResult> {
  await Promise.all(fixtures.map(resetFixtures));
  const services = await startServices(latencyMs);
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.id, []]));
  const usageFile = join(dir, 'usage');
  const loadBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  try {
    progress(`${latencyMs} ms: ${settings.warmup} warm-up and ${settings.runs} timed round(s) of ${cases.length} processes`);
    for (let round = 0; round < settings.warmup + settings.runs; round++) {
      for (const c of cases) {
        const result = await sample(() => c.once(services), usageFile);
        if (round >= settings.warmup) samples.get(c.id)?.push(result);
      }
    }
    if (settings.cpuProf) await profile(cases, services, settings.cpuProf, latencyMs);
  } finally {
    await services.close();
  }
  const results = summarize(cases, samples);
  return { latencyMs, loadBefore, loadAfter: loadavg().map((value) => Math.round(value * 100) / 100), cases: results, verdicts: verdicts(cases, results, latencyMs) };
}

/** One more run of each case with V8's CPU profiler, into <dir>/<latency>ms/<case id>/. */
async function profile(cases: readonly Case[], services: Awaited<ReturnType<typeof startServices>>, dir: string, latencyMs: number): Promise<void> {
  for (const c of cases) {
    const into = join(dir, `${latencyMs}ms`, c.id.replace(/[^\w.-]/g, '_'));
    mkdirSync(into, { recursive: true });
    extraEnv.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${into}`;
    try {
      await c.once(services);
    } finally {
      delete extraEnv.NODE_OPTIONS;
    }
  }
  progress(`CPU profiles in ${join(dir, `${latencyMs}ms`)}/<case>/`);
}

// --- sizes and the machine -----------------------------------------------------------------------
function bundleSize(bundle: string) {
  const dir = join(REPO_ROOT, 'dist', bundle);
  const files = readdirSync(dir).sort().map((file) => {
    const content = readFileSync(join(dir, file));
    return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
  return { bundle, files, bytes: files.reduce((sum, file) => sum + file.bytes, 0), gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

function sizeTable(sizes: ReturnType<typeof bundleSize>[]): string {
  const lines = ['### Bundle sizes (bytes; gzip level 9)', '', '| Bundle | File | raw | gzip |', '| --- | --- | ---: | ---: |'];
  for (const size of sizes) {
    for (const file of size.files) lines.push(`| dist/${size.bundle} | ${file.file} | ${file.bytes.toLocaleString('en-US')} | ${file.gzipBytes.toLocaleString('en-US')} |`);
    lines.push(`| **dist/${size.bundle}** | **total** | **${size.bytes.toLocaleString('en-US')}** | **${size.gzipBytes.toLocaleString('en-US')}** |`);
  }
  const action = sizes.filter((size) => size.bundle === 'main' || size.bundle === 'post').reduce((sum, size) => sum + size.bytes, 0);
  lines.push('', `The Action (dist/main + dist/post): ${action.toLocaleString('en-US')} bytes = ${(action / CONFIGURE_AWS_CREDENTIALS_BYTES).toFixed(2)} × configure-aws-credentials' dist/index.js (3.09 MB, DESIGN §3.7).`);
  return lines.join('\n');
}

async function machine() {
  const runtimes: Record<string, string> = {};
  for (const runtime of nodeRuntimes()) runtimes[runtime.name] = (await run(runtime.node, ['--version'], CHILD_ENV, 60_000)).stdout.trim();
  const head = await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], CHILD_ENV, 60_000);
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    benchNode: process.version,
    runtimes,
    commit: head.code === 0 ? head.stdout.trim() : 'unknown',
  };
}

function header(info: Awaited<ReturnType<typeof machine>>, settings: Settings): string {
  const compared = [settings.compareWith && `configure-aws-credentials from ${settings.compareWith}`, settings.baseline && `baseline build ${settings.baseline}`].filter(Boolean);
  return [
    `## claimcheck bench (${info.date}, commit ${info.commit})`,
    '',
    `Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Linux ${info.kernel}. Runtimes: ${Object.values(info.runtimes).join(', ')} (bench and services: ${info.benchNode}).`,
    compared.length > 0 ? `Compared with: ${compared.join('; ')}.` : 'Compared with: nothing (--compare-with <configure-aws-credentials checkout> adds the reference, --baseline <dist copy> another build).',
    existsSync(GNU_TIME) ? '' : `No ${GNU_TIME}: CPU time and peak RSS are not measured (apt-get install time).`,
  ].join('\n');
}

// --- main ----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const settings = readSettings();
  installProbes();
  const info = await machine();
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-bench-'));
  const fixtures: BuildFixtures[] = [];
  const results: LatencyResult[] = [];
  try {
    const cases = allCases(settings, fixtures, dir);
    for (const latencyMs of settings.latencies) results.push(await measureAt(latencyMs, cases, settings, dir, fixtures));
  } finally {
    await Promise.all(fixtures.map(resetFixtures));
    rmSync(dir, { recursive: true, force: true });
  }
  const sizes = BUNDLES.map(bundleSize);
  const document = { machine: info, settings: { runs: settings.runs, warmup: settings.warmup, latencies: settings.latencies, compareWith: settings.compareWith ?? null, baseline: settings.baseline ?? null }, latencies: results, sizes };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
  if (settings.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  else console.log([header(info, settings), ...results.map((result) => latencyTable(result, settings.runs, settings.warmup)), sizeTable(sizes), `JSON: ${RESULTS_FILE}`].join('\n\n'));
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
