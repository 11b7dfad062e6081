// CircleCI's side of a job, simulated: the packed orb's command rendered the way CircleCI
// compiles it (parameters substituted, `\<<` unescaped), run by bash with the job's
// environment and $BASH_ENV, then later steps in fresh bash processes that source $BASH_ENV
// the way every CircleCI step does. Also a fake `circleci` CLI for `run oidc get`, a
// loopback server for the bundle tarball the orb fetches, and where the orb caches it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { AddressInfo } from 'node:net';
import { REPO_ROOT, run, type TokenEndpoint } from './github.ts';
import { CIRCLE_ORGANIZATION_ID } from './issuer.ts';

interface ParameterSpec {
  type: 'string' | 'boolean' | 'integer' | 'enum';
  default?: unknown;
  description?: string;
}

interface RunStep {
  name?: string;
  command: string;
  environment?: Record<string, unknown>;
  when?: string;
}

export interface OrbCommand {
  description: string;
  parameters?: Record<string, ParameterSpec>;
  steps: Array<{ run: RunStep }>;
}

export interface Orb {
  description: string;
  commands: Record<string, OrbCommand>;
  examples: Record<string, { description: string; usage: unknown }>;
}

export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** This build's CircleCI bundle: the files the orb's launcher must run and nothing else. */
export const BUNDLE_DIR = join(REPO_ROOT, 'dist/circleci');

export function loadOrb(): Orb {
  return parse(readFileSync(join(REPO_ROOT, 'orb/orb.yml'), 'utf8')) as Orb;
}

const PARAMETER = /<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>/g;

/** A parameter's value as it lands in an environment entry: booleans as 1/0 (CircleCI's rendering). */
function environmentText(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** CircleCI's compilation of one command invocation: its run steps with parameters in place. */
export function renderCommand(orb: Orb, name: string, values: Record<string, unknown> = {}): RunStep[] {
  const command = orb.commands[name];
  if (!command) throw new Error(`the orb has no command ${name}`);
  const specs = command.parameters ?? {};
  for (const key of Object.keys(values)) if (!(key in specs)) throw new Error(`${name} has no parameter ${key}`);
  const resolved = Object.fromEntries(
    Object.entries(specs).map(([key, spec]) => {
      const value = key in values ? values[key] : spec.default;
      if (value === undefined) throw new Error(`${name}: missing required parameter ${key}`);
      return [key, value];
    }),
  );
  const substitute = (text: string) =>
    text
      .replace(PARAMETER, (_, key: string) => {
        if (!(key in resolved)) throw new Error(`${name} uses undeclared parameter ${key}`);
        return environmentText(resolved[key]);
      })
      .replaceAll('\\<<', '<<');
  return command.steps.map(({ run: step }) => ({
    ...step,
    command: substitute(step.command),
    environment: Object.fromEntries(Object.entries(step.environment ?? {}).map(([key, value]) => [key, substitute(String(value))])),
  }));
}

export interface Job {
  readonly dir: string;
  readonly bashEnv: string;
  /** The job's environment, as CircleCI sets it for every step. */
  readonly env: Record<string, string>;
}

export interface JobOptions {
  /** Directory of the node to put first on PATH; omit for an executor without node. */
  readonly nodeDir?: string;
  readonly token?: string | undefined;
  readonly tokenEndpoint?: TokenEndpoint | undefined;
  readonly bundleUrl?: string | undefined;
}

export function newJob(options: JobOptions): Job {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-circleci-'));
  const bashEnv = join(dir, 'bash_env');
  writeFileSync(bashEnv, '');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  if (options.tokenEndpoint) writeFakeCircleci(bin, options.tokenEndpoint);
  const path = [options.nodeDir, bin, ...(options.nodeDir ? ['/usr/bin', '/bin'] : [])].filter(Boolean).join(':');
  const env: Record<string, string> = {
    PATH: path,
    HOME: dir,
    BASH_ENV: bashEnv,
    CIRCLECI: 'true',
    CI: 'true',
    // Debug lines on, so that the leak scans cover them too.
    CLAIMCHECK_DEBUG: '1',
    CIRCLE_ORGANIZATION_ID,
    CIRCLE_PROJECT_USERNAME: 'acme',
    CIRCLE_PROJECT_REPONAME: 'api',
    CIRCLE_BUILD_NUM: '318',
    CIRCLE_JOB: 'deploy',
    CIRCLE_BUILD_URL: 'https://app.circleci.com/pipelines/github/acme/api/42/workflows/w/jobs/318',
    ...(options.token ? { CIRCLE_OIDC_TOKEN_V2: options.token } : {}),
    ...(options.bundleUrl ? { CLAIMCHECK_BUNDLE_URL: options.bundleUrl } : {}),
  };
  return { dir, bashEnv, env };
}

/** A `circleci` that answers `run oidc get --claims '{"aud":…}'` from the token endpoint, as the real one does from CircleCI. */
function writeFakeCircleci(bin: string, endpoint: TokenEndpoint): void {
  const script = `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.slice(0, 3).join(' ') !== 'run oidc get' || args[3] !== '--claims') { console.error('usage: circleci run oidc get --claims <json>'); process.exit(2); }
const { aud } = JSON.parse(args[4]);
const response = await fetch(${JSON.stringify(endpoint.requestUrl)} + '&audience=' + encodeURIComponent(aud), { headers: { authorization: 'Bearer ${endpoint.bearer}' } });
if (!response.ok) { console.error('Error: failed to get OIDC token: HTTP ' + response.status); process.exit(1); }
console.log((await response.json()).value);
`;
  writeFileSync(join(bin, 'circleci'), script);
  chmodSync(join(bin, 'circleci'), 0o755);
}

export interface StepResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let stepsWritten = 0;

/** One step: bash (sourcing $BASH_ENV, as on CircleCI) runs the script with the step's environment. */
export async function runBashStep(job: Job, script: string, environment: Record<string, unknown> = {}): Promise<StepResult> {
  const file = join(job.dir, `step-${++stepsWritten}.sh`);
  writeFileSync(file, script);
  const env = { ...job.env, ...Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])) };
  return run('/bin/bash', ['-eo', 'pipefail', file], env, 120_000);
}

export async function runOrbStep(job: Job, step: RunStep): Promise<StepResult> {
  return runBashStep(job, step.command, step.environment);
}

export interface BundleServer {
  readonly url: string;
  readonly port: number;
  /** Requests served, by path. */
  readonly requests: string[];
  /** Each request's Authorization header, in the same order. */
  readonly authorizations: Array<string | undefined>;
  /** Replaces the tarball's bytes (to serve a tampered bundle). */
  body: Buffer;
  /** Answers the tarball's requests instead of `body` when set (to stream a huge body, or act while a request is open). */
  respond: ((response: ServerResponse) => void) | undefined;
  /** Responses sent in full (a client that hangs up early leaves its response unfinished). */
  readonly finished: number;
  close(): Promise<void>;
}

/** Serves one tarball at the npm registry's path for it, over HTTPS with `tls` (its URL then names 127.0.0.1 still). */
export async function startBundleServer(tarball: Buffer, version: string, tls?: { readonly key: string; readonly cert: string }): Promise<BundleServer> {
  const path = `/claimcheck/-/claimcheck-${version}.tgz`;
  const state: BundleServer & { url: string; port: number; finished: number } = { url: '', port: 0, requests: [], authorizations: [], body: tarball, respond: undefined, finished: 0, close: async () => {} };
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    state.requests.push(request.url ?? '');
    state.authorizations.push(request.headers.authorization);
    if (request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    response.on('finish', () => state.finished++);
    if (state.respond) state.respond(response);
    else response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(state.body);
  };
  const server = tls ? createTlsServer(tls, answer) : createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `${tls ? 'https' : 'http'}://127.0.0.1:${state.port}${path}`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** This build's npm tarball, as `npm pack` makes it: what the orb downloads from the registry. */
export async function packTarball(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-pack-'));
  try {
    await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT });
    return readFileSync(join(dir, `claimcheck-${VERSION}.tgz`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the orb caches this build's bundle under a cache home (XDG_CACHE_HOME, or ~/.cache): a public, predictable path. */
export function bundleCacheDir(cacheHome: string): string {
  const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
  const names = readdirSync(BUNDLE_DIR).sort();
  const digest = sha256(names.map((name) => `${name}\0${sha256(readFileSync(join(BUNDLE_DIR, name)))}\n`).join(''));
  return join(cacheHome, 'claimcheck', `claimcheck-${VERSION}-${digest.slice(0, 16)}`);
}
