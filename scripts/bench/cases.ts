// The measured processes. Each case runs one process against the services of the current
// latency and throws unless it did its job (credentials handed over, a cache answer printed),
// so a fast failure is never timed as a success. claimcheck's cases run a given build (dist/,
// or --baseline's copy of another); configure-aws-credentials runs from its checkout
// (--compare-with) in the same simulated runner, with the same services.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, runStep, type StepRun } from '../../test/harness/github.ts';
import type { Runtime } from '../../test/harness/runtimes.ts';
import { AZURE_CLIENT, AZURE_TENANT, GOOGLE_ACCOUNT, GOOGLE_PROVIDER, ROLE, type Services } from './services.ts';
import { writeTrustFixtures } from './trust.ts';

export const CHILD_ENV = { PATH: '/usr/bin:/bin', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
/** What every step on a real runner has, and configure-aws-credentials refuses to run without. */
const RUNNER_ENV = { GITHUB_WORKFLOW: 'deploy', GITHUB_ACTION: 'assume', GITHUB_ACTOR: 'octocat', GITHUB_SHA: '3f786850e387550fdab836ed7e6dc881de23001b', GITHUB_WORKSPACE: '/tmp' };
const TIMEOUT_MS = 60_000;

export type CaseKind = 'floor' | 'claimcheck' | 'reference';

export interface Case {
  readonly id: string;
  readonly label: string;
  readonly kind: CaseKind;
  readonly runtime: Runtime;
  /** The case whose median is this one's floor; undefined for the floors themselves. */
  readonly floorId: string | undefined;
  /** Requests one after another on its critical path: its budget is floor + trips × latency + allowance. */
  readonly roundTrips?: number;
  /** Its budget's allowance over floor and round trips, in ms (120 unless set). */
  readonly allowanceMs?: number;
  /** Measured only when named by --only. */
  readonly optional?: boolean;
  readonly once: (services: Services) => Promise<void>;
}

/** Set by --cpu-prof: merged into every measured process's environment. */
export const extraEnv: Record<string, string> = {};

function expect(ok: boolean, what: string, output: { code: number | null; stdout: string; stderr: string }): void {
  if (!ok) throw new Error(`${what} failed (exit ${output.code}):\n${output.stdout}\n${output.stderr}`);
}

async function step(runtime: Runtime, script: string, inputs: Record<string, string>, services: Services, options: { state?: Record<string, string>; actionYml?: string; env?: Record<string, string> } = {}): Promise<StepRun> {
  return runStep({
    node: runtime.node,
    script,
    tokenEndpoint: services.endpoint,
    inputs,
    env: { ...CHILD_ENV, ...RUNNER_ENV, ...options.env, ...extraEnv },
    timeoutMs: TIMEOUT_MS,
    ...options,
  });
}

/** Runs a step and removes its runner folder; throws unless `ok`. */
async function stepOnce(what: string, ok: (run: StepRun) => boolean, started: Promise<StepRun>, after?: (done: StepRun) => void): Promise<StepRun> {
  const done = await started;
  after?.(done);
  rmSync(done.dir, { recursive: true, force: true });
  expect(done.code === 0 && ok(done), what, done);
  return done;
}

const awsInputs = (services: Services) => ({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1', issuer: services.issuer.url, 'sts-endpoint': services.stsUrl });

function googleInputs(services: Services, impersonate: boolean): Record<string, string> {
  const { google, issuer } = services;
  return {
    issuer: issuer.url,
    'workload-identity-provider': GOOGLE_PROVIDER,
    ...(impersonate ? { 'service-account': GOOGLE_ACCOUNT, 'gcp-iam-credentials-endpoint': google.iamUrl } : {}),
    'gcp-sts-endpoint': google.stsUrl,
    'project-id': 'acme-prod',
  };
}

function azureInputs(services: Services): Record<string, string> {
  return { issuer: services.issuer.url, 'azure-client-id': AZURE_CLIENT, 'azure-tenant-id': AZURE_TENANT, 'azure-authority-host': services.entra.url };
}

/** The token file's refresher (a detached process the Azure step starts) stops with its run. */
function stopRefresher(done: StepRun): void {
  const file = done.exported.AZURE_FEDERATED_TOKEN_FILE;
  if (!file) return;
  try {
    process.kill((JSON.parse(readFileSync(join(dirname(file), 'refresher.json'), 'utf8')) as { pid: number }).pid);
  } catch {
    // Not started, or gone already.
  }
}

/** Azure's step makes one token request and one Entra call, no more (issue 22: no extra round trip). */
async function azureStep(runtime: Runtime, main: string, services: Services): Promise<void> {
  const [tokens, calls] = [services.endpoint.requests.length, services.entra.requests.length];
  await stepOnce('Action main, Azure', (done) => done.exported.AZURE_FEDERATED_TOKEN_FILE !== undefined, step(runtime, main, azureInputs(services), services, { env: { NODE_EXTRA_CA_CERTS: services.ca.caPath } }), stopRefresher);
  const made = [services.endpoint.requests.length - tokens, ...services.entra.requests.slice(calls)];
  if (made.length !== 2 || made[0] !== 1 || made[1] !== `POST /${AZURE_TENANT}/oauth2/v2.0/token`) throw new Error(`Action main, Azure: expected one token request and one call to Entra's token endpoint, got ${JSON.stringify(made)}`);
}

/**
 * The Action's main step, once per cloud (and way to it): its inputs against the bench's
 * services, the variable its hand-over exports, and the requests one after another on its
 * critical path. (Azure's case is azureStep: the token beside the issuer's keys, then Entra's
 * token endpoint; its CA and its refresher need more than inputs.)
 */
interface MainStep {
  readonly id: string;
  readonly label: string;
  readonly inputs: (services: Services) => Record<string, string>;
  readonly exports: string;
  readonly roundTrips: number;
}

const MAIN_STEPS: readonly MainStep[] = [
  { id: 'main', label: 'Action main, AWS', inputs: awsInputs, exports: 'AWS_SESSION_TOKEN', roundTrips: 2 },
  { id: 'gcp', label: 'Action main, Google (service account)', inputs: (services) => googleInputs(services, true), exports: 'GOOGLE_APPLICATION_CREDENTIALS', roundTrips: 3 },
  { id: 'gcp-direct', label: 'Action main, Google (direct)', inputs: (services) => googleInputs(services, false), exports: 'GOOGLE_APPLICATION_CREDENTIALS', roundTrips: 2 },
];

/** Splits a credential_process line as sh does for what claimcheck writes: bare words, '…' and \x. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/(?:[^\s'\\]+|'[^']*'|\\.)+/g)) {
    words.push(match[0].replace(/'([^']*)'|\\(.)|([^'\\]+)/g, (_all, quoted?: string, escaped?: string, bare?: string) => quoted ?? escaped ?? bare ?? ''));
  }
  return words;
}

/** A renewing profile written by one main step of `dist`, whose credential_process is run from its fresh cache. */
export interface RenewingProfile {
  readonly argv: string[];
  readonly dir: string;
}

async function renewingProfile(runtime: Runtime, dist: string, services: Services): Promise<RenewingProfile> {
  const done = await step(runtime, join(dist, 'main/index.js'), { ...awsInputs(services), refresh: 'true' }, services);
  expect(done.code === 0, 'main step with refresh: true', done);
  const config = readFileSync(done.exported.AWS_CONFIG_FILE || join(done.dir, '.aws', 'config'), 'utf8');
  const line = /^credential_process\s*=\s*(.+)$/m.exec(config)?.[1];
  if (line === undefined) throw new Error(`the refresh profile has no credential_process line:\n${config}`);
  return { argv: shellWords(line), dir: done.dir };
}

/**
 * What claimcheck's cases of one build need beyond the services, made on first use and kept
 * for one latency (they name its services): a renewing profile (its folder is the runner temp
 * folder of the job its renewals run in), the main step's state for the post step.
 */
export interface BuildFixtures {
  profile?: Promise<RenewingProfile> | undefined;
  state?: Promise<Record<string, string>> | undefined;
  readonly tokenDir: string;
}

export async function resetFixtures(fixtures: BuildFixtures): Promise<void> {
  const profile = fixtures.profile;
  fixtures.profile = undefined;
  fixtures.state = undefined;
  await profile?.then((made) => rmSync(made.dir, { recursive: true, force: true }), () => {});
}

/**
 * The profile's credential_process as an AWS client runs it, in the job's environment (its
 * runner temp folder too); `expired` removes the cache first, so that it renews at STS.
 */
async function credentialProcess(runtime: Runtime, dist: string, services: Services, fixtures: BuildFixtures, expired: boolean): Promise<void> {
  const profile = await (fixtures.profile ??= renewingProfile(runtime, dist, services));
  const [, ...args] = profile.argv;
  if (expired) rmSync(join(args.at(-1) as string, '..', 'credentials.json'), { force: true });
  // The profile names the Node that wrote it: this runtime.
  const result = await run(runtime.node, args, { ...CHILD_ENV, HOME: profile.dir, RUNNER_TEMP: profile.dir, ...extraEnv }, TIMEOUT_MS);
  expect(result.code === 0 && result.stdout.includes('"SessionToken"'), `credential_process${expired ? ', renewing' : ' from its cache'}`, result);
}

async function cliAssume(runtime: Runtime, dist: string, services: Services, dir: string): Promise<void> {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, await services.issuer.sign(services.endpoint.claims));
  const args = ['assume', '--token-file', tokenFile, '--issuer', services.issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'us-east-1', '--sts-endpoint', services.stsUrl, '--format', 'json'];
  const result = await run(runtime.node, [join(dist, 'cli/index.js'), ...args], { ...CHILD_ENV, HOME: dir, ...extraEnv }, TIMEOUT_MS);
  expect(result.code === 0 && result.stdout.includes('"SessionToken"'), `CLI assume on ${runtime.name}`, result);
}

export function floorCase(runtime: Runtime, key: string, optional = false): Case {
  const once = async () => expect((await run(runtime.node, ['-e', '0'], { ...CHILD_ENV, ...extraEnv }, TIMEOUT_MS)).code === 0, 'node -e 0', { code: 1, stdout: '', stderr: '' });
  return { id: `floor-node${key}`, label: 'node -e 0 (floor)', kind: 'floor', runtime, floorId: undefined, optional, once };
}

/** claimcheck's cases on Node 24 for the build in `dist`; ids and labels carry `tag` (the baseline's). */
export function claimcheckCases(node24: Runtime, dist: string, fixtures: BuildFixtures, tag = ''): Case[] {
  const id = (name: string) => `${name}-node24${tag ? `@${tag}` : ''}`;
  const label = (text: string) => `${text}${tag ? ` [${tag}]` : ''}`;
  const common = { kind: 'claimcheck' as const, runtime: node24, floorId: 'floor-node24' };
  const main = join(dist, 'main/index.js');
  const exported = (name: string) => (done: StepRun) => done.exported[name] !== undefined;
  const state = (services: Services) => (fixtures.state ??= stepOnce('main step', exported('AWS_SESSION_TOKEN'), step(node24, main, awsInputs(services), services)).then((done) => done.state));
  return [
    ...MAIN_STEPS.map((cloud): Case => ({
      ...common,
      id: id(cloud.id),
      label: label(cloud.label),
      roundTrips: cloud.roundTrips,
      once: async (services) => void (await stepOnce(cloud.label, exported(cloud.exports), step(node24, main, cloud.inputs(services), services))),
    })),
    { ...common, id: id('azure'), label: label('Action main, Azure'), roundTrips: 2, once: (services) => azureStep(node24, main, services) },
    { ...common, id: id('cli'), label: label('CLI assume --format json'), roundTrips: 2, once: (services) => cliAssume(node24, dist, services, fixtures.tokenDir) },
    { ...common, id: id('credential-process'), label: label('credential_process, from cache'), roundTrips: 0, allowanceMs: 25, once: (services) => credentialProcess(node24, dist, services, fixtures, false) },
    { ...common, id: id('credential-process-renew'), label: label('credential_process, renewing'), roundTrips: 2, once: (services) => credentialProcess(node24, dist, services, fixtures, true) },
    { ...common, id: id('post'), label: label('Action post'), once: async (services) => void (await stepOnce('post step', () => true, step(node24, join(dist, 'post/index.js'), {}, services, { state: await state(services) }))) },
  ];
}

/** claimcheck's main step on Node 20 (GitHub's runners run actions on Node 24): by --only. */
export function node20Cases(node20: Runtime, dist: string): Case[] {
  const once = async (services: Services) => void (await stepOnce('main step on Node 20', (done) => done.exported.AWS_SESSION_TOKEN !== undefined, step(node20, join(dist, 'main/index.js'), awsInputs(services), services)));
  return [floorCase(node20, '20', true), { id: 'main-node20', label: 'Action main, AWS', kind: 'claimcheck', runtime: node20, floorId: 'floor-node20', roundTrips: 2, optional: true, once }];
}

/** configure-aws-credentials from a checkout of it (its dist/index.js and action.yml), with the same role and services. */
export function referenceCase(node24: Runtime, checkout: string): Case {
  const once = async (services: Services) => {
    const inputs = { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', 'sts-endpoint': services.stsUrl };
    const started = step(node24, join(checkout, 'dist/index.js'), inputs, services, { actionYml: join(checkout, 'action.yml') });
    await stepOnce('configure-aws-credentials', (done) => done.exported.AWS_SESSION_TOKEN !== undefined, started);
  };
  return { id: 'configure-aws-credentials-node24', label: 'configure-aws-credentials main', kind: 'reference', runtime: node24, floorId: 'floor-node24', once };
}

async function cliTrust(runtime: Runtime, dist: string, args: readonly string[], what: string, dir: string): Promise<void> {
  const result = await run(runtime.node, [join(dist, 'cli/index.js'), ...args], { ...CHILD_ENV, HOME: dir, ...extraEnv }, TIMEOUT_MS);
  // Both find what they look for in the fixtures: --check a gap, audit an open role (exit 1).
  expect(result.code === 1 && /^(FAIL|\[)/m.test(result.stdout), `CLI ${what} on ${runtime.name}`, result);
}

/**
 * The trust decisions (issue 24): trust-policy --check of 20 statements against 10 rules,
 * audit of 500 roles, and the Azure check of 20 federated credentials against 10 rules, each to
 * decide in under a second, process start included (no round trips: their budget is the floor
 * and 1000 ms).
 */
export function trustCases(node24: Runtime, dist: string, dir: string): Case[] {
  const trust = writeTrustFixtures(dir);
  const common = { kind: 'claimcheck' as const, runtime: node24, floorId: 'floor-node24', roundTrips: 0, allowanceMs: 1000 };
  return [
    { ...common, id: 'check-node24', label: 'CLI trust-policy --check: 20 statements, 10 rules', once: () => cliTrust(node24, dist, trust.checkArgs, 'trust-policy --check', dir) },
    { ...common, id: 'audit-node24', label: 'CLI audit: 500 roles', once: () => cliTrust(node24, dist, trust.auditArgs, 'audit', dir) },
    { ...common, id: 'azure-check-node24', label: 'CLI trust-policy --cloud azure --check: 20 credentials, 10 rules', once: () => cliTrust(node24, dist, trust.azureCheckArgs, 'trust-policy --cloud azure --check', dir) },
  ];
}
