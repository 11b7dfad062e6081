// The orb's download on the networks CircleCI jobs really have: behind a proxy (https_proxy
// through a CONNECT tunnel, http_proxy for an http mirror, no_proxy, a proxy that wants
// credentials), with no network at all (a local tarball by file:// URL or absolute path), a
// mirror that wants credentials or redirects, and a release that is not there (404). Host
// names under .test resolve nowhere: only the loopback proxy below knows where they are, so a
// download that succeeds went through it. Its TLS certificate comes from a throwaway CA the
// job trusts through NODE_EXTRA_CA_CERTS; the npm registry's name is one of them, so the
// default URL is exercised too, offline.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job, type StepResult } from '../harness/circleci.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { hasOpenssl, makeCertificate, startProxy, withCredentials, type Certificate, type TestProxy } from '../harness/proxy.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const [node24] = nodeRuntimes();
const orb = loadOrb();
const TARBALL_PATH = `/claimcheck/-/claimcheck-${VERSION}.tgz`;
const REGISTRY = 'registry.npmjs.org';
const CORP_REGISTRY = 'registry.claimcheck.test';
const CORP_MIRROR = 'mirror.claimcheck.test';
const PROXY_CREDENTIALS = 'corp:proxy-secret-4411';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let tarball: Buffer;
let certDir: string;
let certificate: Certificate;
/** The npm registry, and a corporate registry, over HTTPS: reachable only through the proxy. */
let secure: BundleServer;
/** An http mirror (through http_proxy, or on loopback directly), and a second origin it may redirect to. */
let plain: BundleServer;
let elsewhere: BundleServer;
let proxy: TestProxy;
const jobDirs: string[] = [];

beforeAll(async () => {
  tarball = await packTarball();
  certDir = mkdtempSync(join(tmpdir(), 'claimcheck-tls-'));
  certificate = makeCertificate(certDir, [CORP_REGISTRY, REGISTRY]);
  [issuer, secure, plain, elsewhere] = await Promise.all([
    startIssuer(),
    startBundleServer(tarball, VERSION, certificate),
    startBundleServer(tarball, VERSION),
    startBundleServer(tarball, VERSION),
  ]);
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [CIRCLE_ORGANIZATION_ID] }], roles: [] });
  proxy = await startProxy({ [CORP_REGISTRY]: secure.port, [REGISTRY]: secure.port, [CORP_MIRROR]: plain.port });
}, 120_000);
beforeEach(() => {
  const subject = `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/*`;
  sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, subject) }]);
  proxy.seen.length = 0;
  proxy.credentials = undefined;
  for (const server of [secure, plain, elsewhere]) server.respond = undefined;
});
afterEach(() => {
  for (const dir of jobDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await Promise.all([sts?.close(), endpoint?.close(), issuer?.close(), secure?.close(), plain?.close(), elsewhere?.close(), proxy?.close()]);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

/** A job whose environment sets `env` (the bundle's URL among it; none means the npm registry). */
async function job(env: Record<string, string>): Promise<Job> {
  const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
  endpoint.issued.push(token);
  const target = newJob({ nodeDir: dirname(node24!.node), token, tokenEndpoint: endpoint });
  jobDirs.push(target.dir);
  Object.assign(target.env, { NODE_EXTRA_CA_CERTS: certificate.certPath }, env);
  return target;
}

function assumeRole(target: Job): Promise<StepResult> {
  const [step] = renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, audience: CIRCLE_ORGANIZATION_ID });
  return runOrbStep(target, step!);
}

function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer, 'proxy-secret-4411', 'mirror-password-1234'];
}

function expectCredentials(result: StepResult, target: Job): void {
  expect([result.code, result.stderr]).toEqual([0, '']);
  expect(readFileSync(target.bashEnv, 'utf8')).toContain(`export AWS_ACCESS_KEY_ID='${sts.issued.at(-1)!.accessKeyId}'\n`);
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, secrets())).toEqual([]);
}

/** Failed in one line and a hint, exported nothing, printed no secret. */
function expectFailure(result: StepResult, target: Job, code: string, message: RegExp, hint: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^Hint: /);
  expect(lines[1]).toMatch(hint);
  expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, secrets())).toEqual([]);
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe.skipIf(!hasOpenssl)('the orb behind an HTTPS proxy', () => {
  it('downloads from the npm registry through https_proxy: a CONNECT tunnel with the proxy\'s credentials; loopback services directly', async () => {
    proxy.credentials = PROXY_CREDENTIALS;
    const target = await job({ https_proxy: withCredentials(proxy.origin, PROXY_CREDENTIALS) });
    const before = secure.requests.length;
    const result = await assumeRole(target);
    expectCredentials(result, target);
    // The issuer, the token endpoint and STS are on 127.0.0.1: never through the proxy.
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${REGISTRY}:443`, proxyAuthorization: basic(PROXY_CREDENTIALS) }]);
    expect(secure.requests.slice(before)).toEqual([TARBALL_PATH]);
  });

  it('takes HTTPS_PROXY too, and a mirror named by CLAIMCHECK_BUNDLE_URL', async () => {
    const target = await job({ HTTPS_PROXY: proxy.origin, CLAIMCHECK_BUNDLE_URL: `https://${CORP_REGISTRY}${TARBALL_PATH}` });
    expectCredentials(await assumeRole(target), target);
    expect(proxy.seen.map((seen) => `${seen.method} ${seen.target}`)).toEqual([`CONNECT ${CORP_REGISTRY}:443`]);
  });

  it.each(['registry.claimcheck.test', '.claimcheck.test', 'claimcheck.test', 'example.com, registry.claimcheck.test:443', '*'])('leaves the proxy out for a host no_proxy lists (%s)', async (noProxy) => {
    const target = await job({ https_proxy: proxy.origin, no_proxy: noProxy, CLAIMCHECK_BUNDLE_URL: `https://${CORP_REGISTRY}${TARBALL_PATH}` });
    const result = await assumeRole(target);
    // Directly, the name resolves nowhere: proof that the proxy was not asked.
    expectFailure(result, target, 'BUNDLE_UNAVAILABLE', new RegExp(`^BUNDLE_UNAVAILABLE: Could not download claimcheck ${literal(VERSION)} from https://${literal(CORP_REGISTRY)}\\S+ \\((ENOTFOUND|EAI_AGAIN)`), /no_proxy/);
    expect(proxy.seen).toEqual([]);
  });

  it('uses the proxy for hosts no_proxy does not list (NO_PROXY as well)', async () => {
    const target = await job({ https_proxy: proxy.origin, NO_PROXY: 'example.com,test.registry.claimcheck,claimcheck.test:8443', CLAIMCHECK_BUNDLE_URL: `https://${CORP_REGISTRY}${TARBALL_PATH}` });
    expectCredentials(await assumeRole(target), target);
    expect(proxy.seen).toHaveLength(1);
  });

  it('says which proxy refused, without its password, when it wants other credentials (HTTP 407)', async () => {
    proxy.credentials = PROXY_CREDENTIALS;
    const target = await job({ https_proxy: withCredentials(proxy.origin, 'corp:mirror-password-1234') });
    const result = await assumeRole(target);
    expectFailure(
      result,
      target,
      'BUNDLE_UNAVAILABLE',
      new RegExp(`from https://${literal(REGISTRY)}\\S+ through the proxy ${literal(proxy.origin)} \\(the proxy answered CONNECT with HTTP 407\\)\\.$`),
      /credentials .* in https_proxy/,
    );
    expect(proxy.seen).toHaveLength(1); // a refusal is not retried
  });

  it('a missing release on the npm registry says it may not be published yet, and how to run without it', async () => {
    secure.respond = (response) => response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    const target = await job({ https_proxy: proxy.origin });
    const result = await assumeRole(target);
    expectFailure(
      result,
      target,
      'BUNDLE_UNAVAILABLE',
      new RegExp(`^BUNDLE_UNAVAILABLE: claimcheck ${literal(VERSION)} is not at https://${literal(REGISTRY)}${literal(TARBALL_PATH)} through the proxy ${literal(proxy.origin)} \\(HTTP 404\\): that release may not be published \\(yet\\)\\.$`),
      new RegExp(`^Hint: The orb claimcheck/claimcheck@${literal(VERSION)} runs the npm package claimcheck@${literal(VERSION)}; until npm has it, set CLAIMCHECK_BUNDLE_URL to a copy of claimcheck-${literal(VERSION)}\\.tgz \\(a mirror URL, a file:// URL or an absolute path\\)\\.$`),
    );
    expect(result.stderr).not.toMatch(/check network access/i);
    expect(proxy.seen).toHaveLength(1); // a 404 is not retried
  });
});

describe('the orb behind an HTTP proxy', () => {
  it('fetches an http mirror through http_proxy (an absolute-form request), the proxy\'s credentials with it', async () => {
    const target = await job({ http_proxy: withCredentials(proxy.origin, PROXY_CREDENTIALS), CLAIMCHECK_BUNDLE_URL: `http://${CORP_MIRROR}${TARBALL_PATH}` });
    expectCredentials(await assumeRole(target), target);
    expect(proxy.seen).toEqual([{ method: 'GET', target: `http://${CORP_MIRROR}${TARBALL_PATH}`, proxyAuthorization: basic(PROXY_CREDENTIALS) }]);
  });

  it('refuses a proxy variable that is not an http(s) URL, naming the variable and not its password', async () => {
    const target = await job({ https_proxy: 'socks5://corp:proxy-secret-4411@127.0.0.1:1080' });
    expectFailure(await assumeRole(target), target, 'BUNDLE_UNAVAILABLE', /^BUNDLE_UNAVAILABLE: https_proxy \(socks5:\/\/\*\*\*@127\.0\.0\.1:1080\) is not an http:\/\/ or https:\/\/ proxy URL\.$/, /Set https_proxy/);
  });
});

describe('a local tarball (an air-gapped job)', () => {
  function localCopy(target: Job, bytes = tarball): string {
    const path = join(target.dir, 'vendor', `claimcheck-${VERSION}.tgz`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    return path;
  }

  it.each([
    ['a file:// URL', (path: string) => pathToFileURL(path).href],
    ['an absolute path', (path: string) => path],
  ])('runs from %s with no network: no download, no proxy, nothing cached', async (_, name) => {
    const target = await job({ https_proxy: proxy.origin });
    const requests = [secure, plain, elsewhere].map((server) => server.requests.length);
    target.env.CLAIMCHECK_BUNDLE_URL = name(localCopy(target));
    for (let run = 0; run < 2; run++) expectCredentials(await assumeRole(target), target);
    expect([secure, plain, elsewhere].map((server) => server.requests.length)).toEqual(requests);
    expect(proxy.seen).toEqual([]);
    expect(readdirSync(join(target.dir, '.cache', 'claimcheck'))).toEqual([]);
  });

  it('still checks the digest of a local tarball', async () => {
    const target = await job({});
    // One byte of the bundle's index.js changed; the tar and the gzip stay valid.
    const tar = gunzipSync(tarball);
    const header = tar.indexOf('package/dist/circleci/index.js\0');
    tar.writeUInt8(tar.readUInt8(header + 612) ^ 1, header + 612);
    target.env.CLAIMCHECK_BUNDLE_URL = localCopy(target, gzipSync(tar));
    expectFailure(await assumeRole(target), target, 'BUNDLE_CHECKSUM', /does not match the digest this orb was packed with; it was not run\.$/, /mirror/);
  });

  it.each<[string, (target: Job) => string, RegExp]>([
    ['a missing file', (target) => join(target.dir, 'nowhere.tgz'), /\(ENOENT\)\.$/],
    ['a symbolic link', (target) => {
      const link = join(target.dir, 'link.tgz');
      symlinkSync(localCopy(target), link);
      return link;
    }, /\(it is a symbolic link; name the file itself\)\.$/],
    ['a directory', (target) => target.dir, /\(it is not a regular file\)\.$/],
  ])('says what is wrong with %s', async (_, path, why) => {
    const target = await job({});
    const file = path(target);
    target.env.CLAIMCHECK_BUNDLE_URL = file;
    const result = await assumeRole(target);
    expectFailure(result, target, 'BUNDLE_UNAVAILABLE', new RegExp(`^BUNDLE_UNAVAILABLE: Could not read claimcheck ${literal(VERSION)} from ${literal(file)} `), /npm pack claimcheck@/);
    expect(result.stderr.split('\n')[0]).toMatch(why);
  });

  it.each(['vendor/claimcheck.tgz', 'ftp://mirror.example.com/claimcheck.tgz', 'file://fileserver/share/claimcheck.tgz', 'x.tgz\nHint: \u001b[2Jrun this'])('refuses %j: neither http(s), file:// nor an absolute path (said on one line)', async (value) => {
    const target = await job({ CLAIMCHECK_BUNDLE_URL: value });
    expectFailure(await assumeRole(target), target, 'BUNDLE_UNAVAILABLE', /is neither an http\(s\) or file:\/\/ URL nor an absolute path\.$/, /file:\/\/\/path\/claimcheck-/);
  });
});

describe('a mirror', () => {
  it('gets the credentials in its URL as Basic authentication, which never follow a redirect to another origin', async () => {
    plain.respond = (response) => response.writeHead(302, { location: elsewhere.url }).end();
    const before = { plain: plain.requests.length, elsewhere: elsewhere.requests.length };
    const target = await job({ CLAIMCHECK_BUNDLE_URL: plain.url.replace('//', '//ci:mirror-password-1234@') });
    expectCredentials(await assumeRole(target), target);
    expect(plain.authorizations.slice(before.plain)).toEqual([basic('ci:mirror-password-1234')]);
    expect(elsewhere.requests.slice(before.elsewhere)).toEqual([TARBALL_PATH]);
    expect(elsewhere.authorizations.slice(before.elsewhere)).toEqual([undefined]);
  });

  it('without the release: HTTP 404 says it may not be published (yet), at once, and how to fix it', async () => {
    const url = plain.url.replace(TARBALL_PATH, '/claimcheck/-/missing.tgz');
    const before = plain.requests.length;
    const target = await job({ CLAIMCHECK_BUNDLE_URL: url });
    expectFailure(
      await assumeRole(target),
      target,
      'BUNDLE_UNAVAILABLE',
      new RegExp(`^BUNDLE_UNAVAILABLE: claimcheck ${literal(VERSION)} is not at ${literal(url)} \\(HTTP 404\\): that release may not be published \\(yet\\)\\.$`),
      new RegExp(`^Hint: Put claimcheck-${literal(VERSION)}\\.tgz \\(npm pack claimcheck@${literal(VERSION)} makes it\\) at that URL, or point CLAIMCHECK_BUNDLE_URL at where it is\\.$`),
    );
    expect(plain.requests.length - before).toBe(1);
  });

  it('that fails for a while is tried 3 times, and the message says so', async () => {
    plain.respond = (response) => response.writeHead(503).end();
    const before = plain.requests.length;
    const target = await job({ CLAIMCHECK_BUNDLE_URL: plain.url });
    expectFailure(await assumeRole(target), target, 'BUNDLE_UNAVAILABLE', /\(HTTP 503, after 3 attempts\)\.$/, /Check that the job can reach 127\.0\.0\.1:\d+/);
    expect(plain.requests.length - before).toBe(3);
  });
});
