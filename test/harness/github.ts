// GitHub's side of a job, simulated: the OIDC token endpoint (checks the bearer and signs a
// token for the requested audience with the test issuer), and a runner that runs a bundled
// action step the way the real one does — INPUT_* for every declared input, the command
// files, the token request variables — and reads back what the step wrote.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { githubClaims, later, type Claims, type SignOptions, type TestIssuer } from './issuer.ts';
import { answerWithFault, type JsonFault } from './json-faults.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The token endpoint's faults, plus handing out a given value as the token (hostile tokens). */
export type TokenEndpointFault = JsonFault | { readonly kind: 'value'; readonly value: string };

export interface TokenEndpoint {
  /** What the runner puts in ACTIONS_ID_TOKEN_REQUEST_URL (it already has a query). */
  readonly requestUrl: string;
  readonly bearer: string;
  /** Claims of the next tokens; `aud` is the requested audience unless `fixedAudience` is set. */
  claims: Claims;
  fixedAudience: string | undefined;
  signOptions: SignOptions;
  /** Every token handed out, for leak scans. */
  readonly issued: string[];
  readonly faults: TokenEndpointFault[];
  readonly requests: Array<{ audience: string | null; authorized: boolean }>;
  /** Date.now() when each of `requests` arrived, in the same order. */
  readonly arrivals: number[];
  close(): Promise<void>;
}

export async function startTokenEndpoint(issuer: TestIssuer, options: { readonly latencyMs?: number } = {}): Promise<TokenEndpoint> {
  const bearer = `ghs_${randomUUID().replaceAll('-', '')}`;
  const path = `/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}/jobs/${randomUUID()}/idtoken`;
  const endpoint = {
    requestUrl: '',
    bearer,
    claims: githubClaims(),
    fixedAudience: undefined as string | undefined,
    signOptions: {} as SignOptions,
    issued: [] as string[],
    faults: [] as TokenEndpointFault[],
    requests: [] as Array<{ audience: string | null; authorized: boolean }>,
    arrivals: [] as number[],
    close: async () => {},
  };
  const server = createServer((request, response) => {
    const at = Date.now();
    later(options.latencyMs, () => answer(request, response, at));
  });
  const answer = (request: IncomingMessage, response: ServerResponse, at: number) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const authorized = request.headers.authorization === `Bearer ${bearer}`;
    const audience = url.searchParams.get('audience');
    endpoint.requests.push({ audience, authorized });
    endpoint.arrivals.push(at);
    const fault = endpoint.faults.shift();
    const reply = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    if (fault?.kind === 'value') return reply(200, { value: fault.value });
    if (request.method !== 'GET' || url.pathname !== path || url.searchParams.get('api-version') !== '2.0') {
      return reply(404, { message: 'not found' });
    }
    if (!authorized) return reply(401, { message: 'Bad credentials' });
    // Without an audience GitHub uses the owner's URL.
    const aud = endpoint.fixedAudience ?? audience ?? `https://github.com/${String(endpoint.claims.repository_owner)}`;
    issuer.sign({ ...endpoint.claims, aud }, endpoint.signOptions).then(
      (value) => {
        endpoint.issued.push(value);
        if (!answerWithFault(fault, request, response, JSON.stringify({ value }))) reply(200, { value });
      },
      () => reply(500, { message: 'signing failed' }),
    );
  };
  await listen(server);
  endpoint.requestUrl = `http://127.0.0.1:${port(server)}${path}?api-version=2.0`;
  endpoint.close = () => close(server);
  return endpoint;
}

/** The step's `::error::` annotation as people read it: the workflow-command escapes undone. */
export function errorAnnotation(run: StepRun): string {
  const line = run.stdout.split('\n').find((text) => text.startsWith('::error::'));
  return decodeURIComponent((line ?? '').slice('::error::'.length).replace(/%(?![0-9A-F]{2})/g, '%25'));
}

export function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

export function port(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening');
  return address.port;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An action.yml's inputs with their defaults, as the runner fills INPUT_* from them. */
function declaredInputs(actionYml = join(REPO_ROOT, 'action.yml')): Record<string, string> {
  const action = parse(readFileSync(actionYml, 'utf8')) as { inputs: Record<string, { default?: string }> };
  return Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, String(spec.default ?? '')]));
}

export interface StepRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Variables exported through GITHUB_ENV, parsed as the runner parses the file. */
  readonly exported: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  /** The raw command files, for leak scans. */
  readonly files: Record<string, string>;
  readonly dir: string;
}

export interface StepOptions {
  readonly node: string;
  readonly script: string;
  readonly inputs?: Record<string, string>;
  readonly env?: Record<string, string | undefined>;
  readonly tokenEndpoint?: TokenEndpoint;
  /** STATE_* values (from the main step) for a post step. */
  readonly state?: Record<string, string>;
  readonly timeoutMs?: number;
  /** The action.yml whose inputs' defaults fill INPUT_* (another action's, for the bench); claimcheck's by default. */
  readonly actionYml?: string;
}

export async function runStep(options: StepOptions): Promise<StepRun> {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-runner-'));
  const files = { GITHUB_ENV: 'env', GITHUB_OUTPUT: 'output', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary', GITHUB_PATH: 'path' };
  const fileEnv = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, join(dir, file)]));
  for (const path of Object.values(fileEnv)) writeFileSync(path, '');
  const inputs = { ...declaredInputs(options.actionYml), ...options.inputs };
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: dir,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_RUN_ID: '4242424242',
    ...fileEnv,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])),
    ...Object.fromEntries(Object.entries(options.state ?? {}).map(([name, value]) => [`STATE_${name}`, value])),
  };
  if (options.tokenEndpoint) {
    env.ACTIONS_ID_TOKEN_REQUEST_URL = options.tokenEndpoint.requestUrl;
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = options.tokenEndpoint.bearer;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const { code, stdout, stderr } = await run(options.node, [options.script], env, options.timeoutMs ?? 120_000);
  const read = (name: string) => readFileSync(fileEnv[name] as string, 'utf8');
  return {
    code,
    stdout,
    stderr,
    exported: parseCommandFile(read('GITHUB_ENV')),
    outputs: parseCommandFile(read('GITHUB_OUTPUT')),
    state: parseCommandFile(read('GITHUB_STATE')),
    summary: read('GITHUB_STEP_SUMMARY'),
    files: Object.fromEntries(Object.keys(files).map((name) => [name, read(name)])),
    dir,
  };
}

/**
 * On Windows: what a process needs to open sockets (SystemRoot), and where Node finds the home
 * and temp folders (USERPROFILE, TEMP, TMP), which it reads instead of HOME and TMPDIR.
 */
function windowsEnv(env: Record<string, string>): Record<string, string> {
  if (process.platform !== 'win32') return {};
  return { SystemRoot: process.env.SystemRoot ?? 'C:\\Windows', TEMP: tmpdir(), TMP: tmpdir(), ...(env.HOME ? { USERPROFILE: env.HOME } : {}) };
}

export function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The test's temp folder (test/setup/temp.ts) unless the caller names one: what the process
    // leaves there is removed with the test, not left in the machine's /tmp.
    const child = spawn(command, args, { env: { TMPDIR: tmpdir(), ...windowsEnv(env), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The runner's parser for GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE: `NAME=value` lines and
 * `NAME<<DELIMITER` … `DELIMITER` blocks. Anything else is an error, as on the runner.
 */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`unterminated value for ${name}`);
      result[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`invalid command file line: ${line}`);
    result[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return result;
}

/** The `::add-mask::` values a step asked the runner to mask. */
export function maskedValues(stdout: string): string[] {
  return [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((match) => match[1] as string);
}

/** What the runner would show: stdout without the add-mask commands, which it consumes. */
export function visibleOutput(run: { stdout: string; stderr: string }): string {
  return `${run.stdout.replace(/^::add-mask::.*\n?/gm, '')}\n${run.stderr}`;
}
