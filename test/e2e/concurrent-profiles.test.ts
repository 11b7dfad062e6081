// Eight `claimcheck assume --aws-profile pN` at once on one home, as parallel steps or jobs on
// one self-hosted runner do: every profile must end up in both shared files, with the keys STS
// issued for it. A barrier in front of the STS double answers the eight together, so that
// their read-edit-rename of ~/.aws/credentials and ~/.aws/config overlap. And a lock left by a
// writer that died is taken over.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen, port, REPO_ROOT, run } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const WRITERS = 8;
const TRIALS = 5;
const [node24] = nodeRuntimes();

let issuer: TestIssuer;
let sts: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
});
afterAll(async () => Promise.all([sts?.close(), issuer?.close()]));

interface Barrier {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Holds each request until `size` have come (or a few seconds have passed, so that a slow
 * machine cannot make the writers time out), then passes them all on to `target` at once.
 */
async function startBarrier(target: string, size: number): Promise<Barrier> {
  const held: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  const releaseAll = () => {
    clearTimeout(timer);
    for (const pass of held.splice(0)) pass();
  };
  const forward = (incoming: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const { host: _host, ...headers } = incoming.headers;
    const outgoing = request(new URL(incoming.url ?? '/', target), { method: incoming.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on('error', () => response.destroy());
    outgoing.end(body);
  };
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      held.push(() => forward(incoming, Buffer.concat(chunks), response));
      if (held.length >= size) releaseAll();
      else if (held.length === 1) timer = setTimeout(releaseAll, 8_000);
    });
  });
  await listen(server);
  return { url: `http://127.0.0.1:${port(server)}`, close: () => (clearTimeout(timer), close(server)) };
}

/** The INI file as `section → key → value` (comments and blank lines skipped). */
function readIni(path: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) current = sections[header[1]!] = {};
    else if (current && /^\s*[^#;\s]/.test(line) && line.includes('=')) {
      const at = line.indexOf('=');
      current[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return sections;
}

function assumeArgs(tokenPath: string, endpoint: string, profile: string): string[] {
  return [CLI, 'assume', '--token-file', tokenPath, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', endpoint, '--aws-profile', profile];
}

function cliEnv(home: string): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

async function tokenFileIn(home: string): Promise<string> {
  const path = join(home, 'token');
  writeFileSync(path, `${await issuer.sign(githubClaims())}\n`);
  return path;
}

/** Each profile in both files, with the keys STS issued to the run that wrote it. */
function profilesFound(home: string, profiles: readonly string[]): Record<string, string> {
  const credentials = readIni(join(home, '.aws', 'credentials'));
  const config = readIni(join(home, '.aws', 'config'));
  const found: Record<string, string> = {};
  for (const profile of profiles) {
    const keys = credentials[profile];
    const issued = sts.issued.find((each) => each.accessKeyId === keys?.aws_access_key_id);
    const complete = issued !== undefined && keys?.aws_secret_access_key === issued.secretAccessKey && keys.aws_session_token === issued.sessionToken;
    const region = config[`profile ${profile}`]?.region;
    found[profile] = `${complete ? 'keys' : 'no keys'}, ${region === undefined ? 'no region' : `region ${region}`}`;
  }
  return found;
}

describe('profiles written by concurrent claimcheck runs', () => {
  it(`loses none of ${WRITERS} written at once, in ${TRIALS} trials`, async () => {
    const profiles = Array.from({ length: WRITERS }, (_, index) => `p${index + 1}`);
    const everyProfile = Object.fromEntries(profiles.map((profile) => [profile, 'keys, region eu-west-1']));
    for (let trial = 1; trial <= TRIALS; trial++) {
      const home = mkdtempSync(join(tmpdir(), 'claimcheck-writers-'));
      const barrier = await startBarrier(sts.url, WRITERS);
      try {
        const tokenPath = await tokenFileIn(home);
        const runs = await Promise.all(profiles.map((profile) => run(node24!.node, assumeArgs(tokenPath, barrier.url, profile), cliEnv(home), 60_000)));
        expect([trial, runs.map((each) => (each.code === 0 ? 'ok' : each.stderr))]).toEqual([trial, profiles.map(() => 'ok')]);
        expect([trial, profilesFound(home, profiles)]).toEqual([trial, everyProfile]);
        // Neither a lock nor a half-written copy is left beside the files.
        expect(readdirSync(join(home, '.aws')).sort()).toEqual(['config', 'credentials']);
      } finally {
        await barrier.close();
        rmSync(home, { recursive: true, force: true });
      }
    }
  }, 240_000);
});

/** A process id that was in use and no longer is: a child that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** This machine as the lock's owner record names it (file-lock.ts): host name and pid namespace. */
function thisMachine(): string {
  try {
    return `${hostname()} ${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return hostname();
  }
}

describe('a lock left behind', () => {
  it('is taken over when the writer that made it has exited', async () => {
    const home = mkdtempSync(join(tmpdir(), 'claimcheck-writers-'));
    try {
      mkdirSync(join(home, '.aws'), { mode: 0o700 });
      const lock = join(home, '.aws', 'credentials.claimcheck-lock');
      writeFileSync(lock, JSON.stringify({ pid: await deadPid(), machine: thisMachine(), since: '2026-12-01T00:00:00.000Z' }), { mode: 0o600 });
      // Older than the grace that covers a writer between making the file and naming itself.
      const fiveSecondsAgo = new Date(Date.now() - 5_000);
      utimesSync(lock, fiveSecondsAgo, fiveSecondsAgo);
      const result = await run(node24!.node, assumeArgs(await tokenFileIn(home), sts.url, 'p1'), cliEnv(home), 60_000);
      expect(result.stderr).not.toMatch(/PROFILE_WRITE/);
      expect(result.code).toBe(0);
      expect(profilesFound(home, ['p1'])).toEqual({ p1: 'keys, region eu-west-1' });
      expect(readdirSync(join(home, '.aws')).sort()).toEqual(['config', 'credentials']);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
