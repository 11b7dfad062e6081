// The packed orb against a hostile machine: its bundle cache sits at a public path that
// CircleCI's restore_cache, a HOME kept between jobs on machine and self-hosted runners, or
// an XDG_CACHE_HOME inside the checkout can fill with anything, and its download can be
// anything a mirror serves. Whatever is planted must never run (it would get the job's OIDC
// token and write what it likes to $BASH_ENV), and the job still gets its credentials from
// the real bundle; an oversized download or a gzip bomb is refused before it eats the machine.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_DIR, bundleCacheDir, loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job, type StepResult } from '../harness/circleci.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const MiB = 1024 * 1024;
const [node24, node20] = nodeRuntimes();
const orb = loadOrb();
const bundleFiles = readdirSync(BUNDLE_DIR).sort();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let bundle: BundleServer;
let tarball: Buffer;
const jobDirs: string[] = [];

beforeAll(async () => {
  tarball = await packTarball();
  [issuer, bundle] = await Promise.all([startIssuer(), startBundleServer(tarball, VERSION)]);
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [CIRCLE_ORGANIZATION_ID] }], roles: [] });
});
beforeEach(() => {
  endpoint.claims = circleciClaims();
  bundle.body = tarball;
  bundle.respond = undefined;
  const subject = `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/*`;
  sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, subject) }]);
});
afterEach(() => {
  for (const dir of jobDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), issuer?.close(), bundle?.close()]));

interface HostileJob extends Job {
  /** Where planted code leaves its mark (with the token it got) if it ever runs. */
  readonly marker: string;
  /** The job's TMPDIR: where the launcher's private copy lives while it runs. */
  readonly tmp: string;
}

async function job(env: Record<string, string> = {}, node = node24!.node): Promise<HostileJob> {
  const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
  endpoint.issued.push(token);
  const target = newJob({ nodeDir: dirname(node), token, tokenEndpoint: endpoint, bundleUrl: bundle.url });
  jobDirs.push(target.dir);
  const tmp = join(target.dir, 'tmp');
  mkdirSync(tmp);
  Object.assign(target.env, { TMPDIR: tmp }, env);
  return { ...target, marker: join(target.dir, 'planted-code-ran'), tmp };
}

function assumeStep(parameters: Record<string, unknown> = {}) {
  return renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, audience: CIRCLE_ORGANIZATION_ID, ...parameters })[0]!;
}

function assumeRole(target: Job, parameters: Record<string, unknown> = {}): Promise<StepResult> {
  return runOrbStep(target, assumeStep(parameters));
}

/** An index.js that does what planted code would: keeps the token and exports credentials of its own. */
function plantedIndex(marker: string): string {
  return [
    "import { appendFileSync, writeFileSync } from 'node:fs';",
    `writeFileSync(${JSON.stringify(marker)}, String(process.env.CIRCLE_OIDC_TOKEN_V2));`,
    'appendFileSync(process.env.BASH_ENV, "export AWS_ACCESS_KEY_ID=\'planted\'\\n");',
    "console.log('planted code ran');",
    'process.exit(0);',
  ].join('\n');
}

/** A chunk that leaves the mark when it loads, then is the real chunk (the bundle loads it after start). */
function plantedChunk(marker: string, name: string): string {
  return `import { writeFileSync as plant } from 'node:fs'; plant(${JSON.stringify(marker)}, 'chunk');\n${readFileSync(join(BUNDLE_DIR, name), 'utf8')}`;
}

/** A directory as a tar extraction leaves it (0755, files 0644), holding the given files. */
function plant(dir: string, files: Record<string, string | Buffer>): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
}

const realBundle = (): Record<string, Buffer> => Object.fromEntries(bundleFiles.map((name) => [name, readFileSync(join(BUNDLE_DIR, name))]));
const plantedBundle = (marker: string) => ({ 'index.js': plantedIndex(marker), 'package.json': '{"type":"module"}' });

/** Every file of a directory with its bytes, for "left exactly as it was". */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((name) => {
    const path = join(dir, name);
    return [name, lstatSync(path).isFile() ? readFileSync(path, 'base64') : `<${lstatSync(path).mode.toString(8)}>`];
  }));
}

function expectHoldsTheBundle(dir: string): void {
  expect(lstatSync(dir).isDirectory()).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(bundleFiles);
  for (const name of bundleFiles) expect([name, readFileSync(join(dir, name)).equals(readFileSync(join(BUNDLE_DIR, name)))]).toEqual([name, true]);
}

function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

/** The job got its credentials from the real bundle, and nothing planted ran. */
function expectRealBundleRan(result: StepResult, target: HostileJob): void {
  expect(result.stdout).not.toContain('planted code ran');
  expect(existsSync(target.marker)).toBe(false);
  expect(result.code).toBe(0);
  const issued = sts.issued.at(-1)!;
  const bashEnv = readFileSync(target.bashEnv, 'utf8');
  expect(bashEnv).toContain(`export AWS_ACCESS_KEY_ID='${issued.accessKeyId}'\n`);
  expect(bashEnv).not.toContain('planted');
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, secrets())).toEqual([]);
  expect(readdirSync(target.tmp)).toEqual([]);
}

/** Text as a regular expression that matches exactly it. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Only these warning lines on stderr, each once, and nothing else (no stack trace). */
function expectWarnings(result: StepResult, ...patterns: RegExp[]): void {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(patterns.length);
  patterns.forEach((pattern, index) => expect(lines[index]).toMatch(pattern));
}

function expectRefused(result: StepResult, target: HostileJob, code: string, message: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^Hint: \S/);
  expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  expect(readdirSync(target.tmp)).toEqual([]);
}

describe('a cache planted before the job starts', () => {
  const homes: Array<[string, (target: HostileJob) => { cacheHome: string; env: Record<string, string> }]> = [
    ['under HOME (a restored cache, or a HOME kept from another job)', (target) => ({ cacheHome: join(target.dir, '.cache'), env: {} })],
    ['in the checkout, through XDG_CACHE_HOME', (target) => ({ cacheHome: join(target.dir, 'project', '.cache'), env: { XDG_CACHE_HOME: join(target.dir, 'project', '.cache') } })],
  ];

  it.each(homes)('is never run when %s; the real bundle runs and replaces it', async (_, where) => {
    const target = await job();
    const { cacheHome, env } = where(target);
    Object.assign(target.env, env);
    const cache = bundleCacheDir(cacheHome);
    plant(cache, plantedBundle(target.marker));
    const before = bundle.requests.length;

    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expectWarnings(result, new RegExp(`^Warning: the cache ${literal(cache)} does not hold the claimcheck ${literal(VERSION)} bundle this orb was packed with; it was not run, and a fresh download replaces it\\.$`));
    expect(bundle.requests.length - before).toBe(1);
    expectHoldsTheBundle(cache);

    const again = await assumeRole(target);
    expectRealBundleRan(again, target);
    expect(again.stderr).toBe('');
    expect(bundle.requests.length - before).toBe(1);
  });

  it('is never run when only a chunk the bundle loads after start is changed: every file is checked', async () => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    plant(cache, { ...realBundle(), '695.index.js': plantedChunk(target.marker, '695.index.js') });
    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expectWarnings(result, /^Warning: the cache .* does not hold the claimcheck .* bundle/);
    expectHoldsTheBundle(cache);
  });

  it('cannot change what runs after the check: a chunk swapped in the cache as index.js starts is not loaded', async () => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    expect((await assumeRole(target)).code).toBe(0);
    expectHoldsTheBundle(cache);
    // A module hook that, the moment the bundle's index.js is imported (after any check of
    // the cache), puts a planted chunk in the cache: what runs must be what was checked.
    const hooks = join(target.dir, 'swap-hooks.mjs');
    writeFileSync(hooks, [
      "import { writeFileSync } from 'node:fs';",
      'let swapped = false;',
      'export async function resolve(specifier, context, next) {',
      `  if (!swapped && /\\/index\\.js$/.test(specifier)) { swapped = true; writeFileSync(${JSON.stringify(join(cache, '695.index.js'))}, ${JSON.stringify(plantedChunk(target.marker, '695.index.js'))}); }`,
      '  return next(specifier, context);',
      '}',
    ].join('\n'));
    const register = join(target.dir, 'swap.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    target.env.NODE_OPTIONS = `--import ${pathToFileURL(register).href}`;

    const result = await assumeRole(target);
    expect(readFileSync(join(cache, '695.index.js'), 'utf8')).toContain(target.marker); // the swap happened
    expectRealBundleRan(result, target);
  });
});

describe('a cache directory that is not the job\'s own is ignored: never read, never written', () => {
  it('a symbolic link at the cache path, and what it points to is left alone', async () => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    const elsewhere = join(target.dir, 'elsewhere');
    plant(elsewhere, plantedBundle(target.marker));
    mkdirSync(dirname(cache), { recursive: true, mode: 0o700 });
    symlinkSync(elsewhere, cache);
    const before = { requests: bundle.requests.length, elsewhere: snapshot(elsewhere) };

    for (let run = 1; run <= 2; run++) {
      const result = await assumeRole(target);
      expectRealBundleRan(result, target);
      expectWarnings(result, new RegExp(`^Warning: not using the cache ${literal(cache)}: it is a symbolic link; the bundle is downloaded for each run\\.$`));
      expect(bundle.requests.length - before.requests).toBe(run);
    }
    expect(readlinkSync(cache)).toBe(elsewhere);
    expect(snapshot(elsewhere)).toEqual(before.elsewhere);
  });

  it('a cache root (…/claimcheck) that is a symbolic link', async () => {
    const target = await job();
    const cacheHome = join(target.dir, '.cache');
    const elsewhere = join(target.dir, 'elsewhere');
    plant(join(elsewhere, 'claimcheck'), {});
    plant(bundleCacheDir(elsewhere), plantedBundle(target.marker));
    mkdirSync(cacheHome, { mode: 0o700 });
    symlinkSync(join(elsewhere, 'claimcheck'), join(cacheHome, 'claimcheck'));
    const before = snapshot(elsewhere);

    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expectWarnings(result, /^Warning: not using the cache .*\/\.cache\/claimcheck: it is a symbolic link; the bundle is downloaded for each run\.$/);
    expect(snapshot(elsewhere)).toEqual(before);
  });

  it.each([
    ['the bundle directory', '777'],
    ['the bundle directory', '770'],
    ['the cache root', '777'],
    ['the cache root', '775'],
  ])('%s writable by others (mode %s), even when it holds the real bundle', async (which, mode) => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    plant(cache, realBundle());
    chmodSync(which === 'the cache root' ? dirname(cache) : cache, parseInt(mode, 8));
    const before = { requests: bundle.requests.length, cache: snapshot(dirname(cache)) };

    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expectWarnings(result, /^Warning: not using the cache .*: others can write to it; the bundle is downloaded for each run\.$/);
    expect(bundle.requests.length - before.requests).toBe(1);
    expect(snapshot(dirname(cache))).toEqual(before.cache);
  });

  it.skipIf(process.getuid?.() !== 0)('a bundle directory that belongs to another user', async () => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    plant(cache, realBundle());
    chownSync(cache, 65534, 65534);
    const before = bundle.requests.length;
    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expectWarnings(result, /^Warning: not using the cache .*: it belongs to another user \(uid 65534\); the bundle is downloaded for each run\.$/);
    expect(bundle.requests.length - before).toBe(1);
  });
});

describe('the private copy it runs', () => {
  it('is removed when the run ends, failed runs included', async () => {
    const target = await job();
    const failed = await assumeRole(target, { claims: 'oidc.circleci.com/vcs-ref=refs/heads/release' });
    expect(failed.stderr).toMatch(/^RULE_FAILED: /);
    expect(readdirSync(target.tmp)).toEqual([]);
  });

  it('fails in one line when TMPDIR cannot hold it', async () => {
    const target = await job({ TMPDIR: join(tmpdir(), 'claimcheck-no-such-dir', 'tmp') });
    const result = await assumeRole(target);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^BUNDLE_UNAVAILABLE: Could not write claimcheck \S+ to a private directory in .*claimcheck-no-such-dir\/tmp to run it from \(ENOENT\)\.\nHint: Point TMPDIR at a writable directory with a few MB free\.\n$/);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  });
});

describe('two jobs filling one cache at once', () => {
  it('losing the race is not a failure: the job runs its own checked copy and keeps the one that got there first', async () => {
    const target = await job();
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    // While this job downloads, another one finishes first and fills the cache.
    bundle.respond = (response) => {
      plant(cache, realBundle());
      chmodSync(cache, 0o700);
      response.writeHead(200).end(tarball);
    };
    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expect(result.stderr).toMatch(/^\[debug\] Another job filled the cache .* first; this run uses its own checked copy\.\n$/);
    expectHoldsTheBundle(cache);
    expect(readdirSync(dirname(cache))).toEqual([`claimcheck-${VERSION}-${cache.slice(-16)}`]);
  });
});

describe.skipIf(!hasDebianAws)('renewals (refresh: true)', () => {
  it('check the bundle again: a cache planted after assume_role is not what credential_process runs', async () => {
    const target = await job();
    expect((await assumeRole(target, { refresh: true })).code).toBe(0);
    const config = readFileSync(join(target.dir, '.aws', 'config'), 'utf8');
    const configPath = /credential_process = .* credential-process (\S+)$/m.exec(config)![1]!;
    const cache = bundleCacheDir(join(target.dir, '.cache'));
    rmSync(cache, { recursive: true });
    plant(cache, plantedBundle(target.marker));
    rmSync(join(configPath, '..', 'credentials.json')); // as if the session had run out

    const later = await runBashStep(target, `${DEBIAN_AWS} sts get-caller-identity --endpoint-url ${sts.url} --output json`);
    expect(existsSync(target.marker)).toBe(false);
    expect(later.stdout).not.toContain('planted code ran');
    expect((JSON.parse(later.stdout) as { Arn: string }).Arn).toMatch(/assumed-role\/deploy\/acme.api@318$/);
    expectHoldsTheBundle(cache);
    expect(readdirSync(target.tmp)).toEqual([]);
  });
});

/** Streams `size` bytes of zeros in 1 MiB chunks, as fast as the client reads them. */
function streamZeros(size: number, headers: Record<string, string>) {
  return (response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    const chunk = Buffer.alloc(MiB);
    pipeline(Readable.from((function* () { for (let sent = 0; sent < size; sent += MiB) yield chunk; })()), response, () => {});
  };
}

/** 640 gzip members of 1 MiB of zeros each: about 0.7 MB that inflates to 640 MiB. */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(MiB));
  return Buffer.concat(Array.from({ length: 640 }, () => member));
}

describe('download limits', () => {
  it.each([
    ['without a length (chunked)', {}],
    ['with its length announced', { 'content-length': String(64 * MiB) }],
  ])('a download over 32 MiB is refused at once, %s, without reading it all or retrying', async (_, headers) => {
    const target = await job();
    bundle.respond = streamZeros(64 * MiB, headers);
    const before = { requests: bundle.requests.length, finished: bundle.finished };
    const result = await assumeRole(target);
    expectRefused(result, target, 'BUNDLE_CHECKSUM', /does not match the digest this orb was packed with \(its download is over 32 MiB\); it was not run\./);
    expect(bundle.requests.length - before.requests).toBe(1);
    expect(bundle.finished - before.finished).toBe(0);
    expect(existsSync(bundleCacheDir(join(target.dir, '.cache')))).toBe(false);
  });

  it('a gzip bomb is refused after inflating at most 128 MiB of it', async () => {
    const target = await job();
    bundle.body = gzipBomb();
    expect(bundle.body.length).toBeLessThan(MiB);
    const script = join(target.dir, 'assume.sh');
    writeFileSync(script, assumeStep().command);
    const rss = join(target.dir, 'rss');
    const before = bundle.requests.length;
    // GNU time reports the peak resident memory of the step (bash execs node) in KiB.
    const result = await runBashStep(target, `/usr/bin/time -f %M -o ${rss} /bin/bash ${script}`, assumeStep().environment);
    expectRefused(result, target, 'BUNDLE_CHECKSUM', /does not match the digest this orb was packed with \(it inflates to over 128 MiB\); it was not run\./);
    expect(bundle.requests.length - before).toBe(1);
    const peakKiB = Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1));
    expect(peakKiB).toBeGreaterThan(0);
    expect(peakKiB * 1024).toBeLessThan(400 * MiB);
  });

  it('never prints the password of a mirror URL, whether the file is missing or not the one packed', async () => {
    const missing = await job({ CLAIMCHECK_BUNDLE_URL: bundle.url.replace('//', '//ci:mirror-password-1234@').replace(/\.tgz$/, '-missing.tgz') });
    const notFound = await assumeRole(missing);
    expectRefused(notFound, missing, 'BUNDLE_UNAVAILABLE', /is not at http:\/\/\*\*\*@127\.0\.0\.1:\d+\/claimcheck\/\S+ \(HTTP 404\)/);
    const tampered = await job({ CLAIMCHECK_BUNDLE_URL: bundle.url.replace('//', '//ci:mirror-password-1234@') });
    bundle.body = gzipSync(Buffer.alloc(1024));
    const refused = await assumeRole(tampered);
    expectRefused(refused, tampered, 'BUNDLE_CHECKSUM', /from http:\/\/\*\*\*@127\.0\.0\.1:\d+\/claimcheck/);
    for (const result of [notFound, refused]) expect(result.stderr).not.toContain('mirror-password-1234');
  });
});

describe('the tar walk', () => {
  /** A ustar archive of the given entries (name, body, type), gzipped. */
  function tgz(entries: Array<{ name: string; body?: string; type?: string }>): Buffer {
    const blocks: Buffer[] = [];
    for (const { name, body = '', type = '0' } of entries) {
      const header = Buffer.alloc(512);
      const put = (text: string, offset: number) => header.write(text, offset, 'utf8');
      put(name, 0);
      put('0000644\0', 100);
      put('0000000\0', 108);
      put('0000000\0', 116);
      put(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
      put('00000000000\0', 136);
      put('        ', 148);
      put(type, 156);
      put('ustar\0', 257);
      put('00', 263);
      put(`${header.reduce((sum, byte) => sum + byte, 0).toString(8).padStart(6, '0')}\0 `, 148);
      const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
      data.write(body);
      blocks.push(header, data);
    }
    return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
  }

  const real = bundleFiles.map((name) => ({ name: `package/dist/circleci/${name}`, body: readFileSync(join(BUNDLE_DIR, name), 'utf8') }));

  it.each([
    ['a name that climbs out of dist/circleci/', [{ name: 'package/dist/circleci/../../../escaped.js', body: 'x' }], /an unexpected file name under dist\/circleci\//],
    ['a name in a subdirectory', [{ name: 'package/dist/circleci/sub/index.js', body: 'x' }], /an unexpected file name under dist\/circleci\//],
    ['over 64 files', Array.from({ length: 65 }, (_, i) => ({ name: `package/dist/circleci/extra-${i}.js`, body: 'x' })), /it holds over 64 files under dist\/circleci\//],
  ])('refuses a tarball with %s, and writes none of it', async (_, extra, reason) => {
    const target = await job();
    bundle.body = tgz([...real, ...extra]);
    const result = await assumeRole(target);
    expectRefused(result, target, 'BUNDLE_CHECKSUM', reason);
    expect(existsSync(join(target.dir, 'escaped.js'))).toBe(false);
    const root = join(target.dir, '.cache', 'claimcheck');
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });

  it('takes regular files only: a symbolic link or absolute name in the tarball is never written', async () => {
    const target = await job();
    const outside = mkdtempSync(join(tmpdir(), 'claimcheck-outside-'));
    jobDirs.push(outside);
    bundle.body = tgz([...real, { name: join(outside, 'absolute.js'), body: 'x' }, { name: 'package/dist/circleci/link.js', type: '2' }]);
    const result = await assumeRole(target);
    expectRealBundleRan(result, target);
    expect(readdirSync(outside)).toEqual([]);
    expectHoldsTheBundle(bundleCacheDir(join(target.dir, '.cache')));
  });
});

describe('on Node 20, older than the orb accepts', () => {
  it('stops before the launcher: a planted cache never runs, nothing is downloaded', async () => {
    const planted = await job({}, node20!.node);
    plant(bundleCacheDir(join(planted.dir, '.cache')), plantedBundle(planted.marker));
    const before = bundle.requests.length;
    expectRefused(await assumeRole(planted), planted, 'NODE_TOO_OLD', /needs Node\.js 22 or later; this executor has v20\./);
    expect(existsSync(planted.marker)).toBe(false);
    expect(bundle.requests.length).toBe(before);
  });
});
