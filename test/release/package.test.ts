// The npm package as a user installs it: `npm pack` of this checkout, installed into an empty
// folder with --omit=dev (what `npm install claimcheck` and `npx claimcheck` do), pulls no other
// package, because everything the CLI loads is bundled in dist/; and the installed CLI runs a
// whole `assume` there, away from this repository's node_modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { REPO_ROOT, VERSION } from './repo.ts';

const [node24] = nodeRuntimes();
const PATH = `${dirname(node24!.node)}:/usr/bin:/bin`;
const ROLE = 'arn:aws:iam::111122223333:role/deploy';

interface PackedFile {
  path: string;
}

let dir: string;
let app: string;
let packed: PackedFile[];
let issuer: TestIssuer;
let sts: StsDouble;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-package-'));
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, PATH, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' } });
  packed = (JSON.parse(npm(['pack', '--dry-run', '--json'], REPO_ROOT)) as Array<{ files: PackedFile[] }>)[0]!.files;
  npm(['pack', '--silent', '--pack-destination', dir], REPO_ROOT);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  npm(['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(dir, `claimcheck-${VERSION}.tgz`)], app);
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
}, 120_000);
afterAll(async () => {
  await Promise.all([sts?.close(), issuer?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `npx claimcheck …` in the folder it was installed into, as a user runs it. */
const npx = (args: string[]) => run('/bin/bash', ['-c', 'cd "$APP" && exec npx --no-install claimcheck "$@"', 'npx', ...args], { PATH, HOME: dir, APP: app, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' }, 60_000);

describe('the npm package', () => {
  it('declares no runtime dependency: the libraries it uses are bundled into dist/', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect([pkg.dependencies, pkg.optionalDependencies, pkg.peerDependencies, pkg.bundleDependencies]).toEqual([undefined, undefined, undefined, undefined]);
    const dev = pkg.devDependencies as Record<string, string>;
    for (const bundled of ['@actions/core', '@actions/http-client', '@aws-sdk/client-sts', 'jose']) expect([bundled, dev[bundled]]).toEqual([bundled, expect.any(String)]);
  });

  it('packs the CLI, the bundles, action.yml and the rules schema, and no source, test or dependency', () => {
    const paths = packed.map((file) => file.path);
    for (const path of ['package.json', 'README.md', 'action.yml', 'bin/claimcheck.js', 'dist/cli/index.js', 'dist/circleci/index.js', 'dist/main/index.js', 'schema/rules.schema.json']) expect(paths).toContain(path);
    expect(paths.filter((path) => /^(src|test|node_modules|scripts|vendor)\//.test(path))).toEqual([]);
  });

  it('installs with --omit=dev into an empty folder as itself alone, and npx claimcheck runs', async () => {
    const installed = readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed).toEqual(['claimcheck']);
    const version = await npx(['--version']);
    expect([version.code, version.stdout, version.stderr]).toEqual([0, `${VERSION}\n`, '']);
  });

  it('runs a whole assume from the installed copy: every module it loads is in its bundle', async () => {
    const token = join(dir, 'token.jwt');
    writeFileSync(token, await issuer.sign(githubClaims()));
    const result = await npx(['assume', '--token-file', token, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/m);
  });
});
