// Google Cloud through the orb and the CLI: the same exchange and the same credentials file,
// with the orb's renewal running `circleci run oidc get` (through its launcher) and the CLI's
// reading the job's token variable again; google-auth-library reads the file in a later step.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job } from '../harness/circleci.ts';
import { REPO_ROOT, run, startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { googleAuthLibrary } from '../harness/google-client.ts';
import { startGoogle, type GoogleDouble } from '../harness/google.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';

const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool';
const CIRCLE_PROVIDER = `${POOL}/providers/circleci`;
const GITLAB_PROVIDER = `${POOL}/providers/gitlab`;
const ACCOUNT = 'deploy@acme-prod.iam.gserviceaccount.com';
const [node24] = nodeRuntimes();
const orb = loadOrb();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let google: GoogleDouble;
let bundle: BundleServer;
const dirs: string[] = [];

beforeAll(async () => {
  [issuer, bundle] = await Promise.all([startIssuer(), packTarball().then((tarball) => startBundleServer(tarball, VERSION))]);
  endpoint = await startTokenEndpoint(issuer);
  endpoint.claims = circleciClaims();
  google = await startGoogle({
    providers: [
      { name: CIRCLE_PROVIDER, issuerUri: issuer.url, attributeMapping: { 'google.subject': '"circleci:" + assertion["oidc.circleci.com/project-id"]', 'attribute.project_id': 'assertion["oidc.circleci.com/project-id"]' }, attributeCondition: `assertion["oidc.circleci.com/project-id"] == "${CIRCLE_PROJECT_ID}"` },
      { name: GITLAB_PROVIDER, issuerUri: issuer.url, attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.project_id': 'assertion.project_id' }, attributeCondition: 'assertion.project_id == "42"' },
    ],
    serviceAccounts: [{ email: ACCOUNT, workloadIdentityUsers: [`principalSet://iam.googleapis.com/${POOL}/attribute.project_id/${CIRCLE_PROJECT_ID}`, `principalSet://iam.googleapis.com/${POOL}/attribute.project_id/42`] }],
    accessTokenLifetimeSeconds: 3,
    projects: ['acme-prod'],
  });
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => Promise.all([google?.close(), endpoint?.close(), bundle?.close()]).then(() => issuer?.close()));

/** A later CircleCI step's whole environment: $BASH_ENV sourced, as bash does before every step. */
async function laterCircleciStep(job: Job): Promise<Record<string, string>> {
  const result = await runBashStep(job, `node -e 'console.log(JSON.stringify(process.env))'`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

describe('the orb', () => {
  it('hands over the credentials file through $BASH_ENV; the client renews through the launcher; cleanup removes it', async () => {
    const job = newJob({ nodeDir: dirname(node24!.node), token: await issuer.sign(circleciClaims(), { expiresIn: 3600 }), tokenEndpoint: endpoint, bundleUrl: bundle.url });
    dirs.push(job.dir);
    const [step] = renderCommand(orb, 'assume_role', {
      issuer: issuer.url,
      workload_identity_provider: CIRCLE_PROVIDER,
      service_account: ACCOUNT,
      gcp_sts_endpoint: google.stsUrl,
      gcp_iam_credentials_endpoint: google.iamUrl,
      claims: `oidc.circleci.com/project-id=${CIRCLE_PROJECT_ID}`,
    });
    const assumed = await runOrbStep(job, step!);
    expect(assumed.code, assumed.stderr + assumed.stdout).toBe(0);
    expect(endpoint.requests.at(-1)!.audience).toBe(`https://iam.googleapis.com/${CIRCLE_PROVIDER}`);
    const env = await laterCircleciStep(job);
    const path = env.GOOGLE_APPLICATION_CREDENTIALS!;
    expect(path).toBe(join(job.dir, '.claimcheck', path.split('/').at(-2)!, 'credentials.json'));
    expect(readFileSync(path, 'utf8')).toMatch(/launch\.mjs google-subject-token /);
    const client = await googleAuthLibrary(env, `${google.resourceUrl}/v1/projects/acme-prod`, 2, 4_000);
    expect(client.results).toEqual([{ status: 200, caller: ACCOUNT }, { status: 200, caller: ACCOUNT }]);
    expect(client.project).toBe('acme-prod');

    const [cleanup] = renderCommand(orb, 'cleanup');
    expect((await runOrbStep(job, cleanup!)).code).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect((await laterCircleciStep(job)).GOOGLE_APPLICATION_CREDENTIALS).toBeUndefined();
  }, 60_000);
});

describe('the CLI', () => {
  const cli = join(REPO_ROOT, 'dist/cli/index.js');
  const gitlabClaims = { sub: 'project_path:acme/api:ref_type:branch:ref:main', project_id: '42', project_path: 'acme/api', namespace_id: '7', ref: 'main', ref_type: 'branch', pipeline_id: '9', job_id: '11' };

  async function assume(args: string[], token: string) {
    return run(node24!.node, [cli, 'assume', '--platform', 'gitlab', '--token-env', 'GCP_ID_TOKEN', '--issuer', issuer.url, '--workload-identity-provider', GITLAB_PROVIDER, '--service-account', ACCOUNT, '--gcp-sts-endpoint', google.stsUrl, '--gcp-iam-credentials-endpoint', google.iamUrl, '--claims', 'project_id=42', ...args], { PATH: '/usr/bin:/bin', HOME: process.env.TMPDIR ?? '/tmp', GCP_ID_TOKEN: token }, 60_000);
  }

  it('assume --platform gitlab --workload-identity-provider prints the variables, and the file renews from the job\'s token variable', async () => {
    const token = await issuer.sign({ ...gitlabClaims, aud: `https://iam.googleapis.com/${GITLAB_PROVIDER}` }, { expiresIn: 3600 });
    const result = await assume(['--format', 'env'], token);
    expect(result.code, result.stderr).toBe(0);
    const exported = Object.fromEntries([...result.stdout.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)].map((match) => [match[1], match[2]])) as Record<string, string>;
    expect(exported).toMatchObject({ GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1', GOOGLE_CLOUD_PROJECT: 'acme-prod' });
    dirs.push(dirname(exported.GOOGLE_APPLICATION_CREDENTIALS!));
    expect(JSON.parse(readFileSync(join(dirname(exported.GOOGLE_APPLICATION_CREDENTIALS!), 'renewal.json'), 'utf8')).token).toMatchObject({ kind: 'env', variable: 'GCP_ID_TOKEN', job: expect.any(String) });
    const client = await googleAuthLibrary({ PATH: '/usr/bin:/bin', GCP_ID_TOKEN: token, ...exported }, `${google.resourceUrl}/v1/projects/acme-prod`, 2, 4_000);
    expect(client.results).toEqual([{ status: 200, caller: ACCOUNT }, { status: 200, caller: ACCOUNT }]);
  }, 60_000);

  it('--export none --format json prints the access token and writes no file', async () => {
    const token = await issuer.sign({ ...gitlabClaims, aud: `https://iam.googleapis.com/${GITLAB_PROVIDER}` }, { expiresIn: 3600 });
    const result = await assume(['--export', 'none', '--format', 'json'], token);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ project_id: 'acme-prod', service_account: ACCOUNT, access_token: expect.stringMatching(/^ya29\./), expiration: expect.any(String) });
    expect(result.stderr).toMatch(/Google Cloud/);
  });

  it('trust-policy --cloud gcp prints the provider compiled from the rules with its member, and refuses rules that pin no project', async () => {
    const result = await run(node24!.node, [cli, 'trust-policy', '--cloud', 'gcp', '--platform', 'gitlab', '--claims', 'project_id=42\nref=main', '--provider', GITLAB_PROVIDER], { PATH: '/usr/bin:/bin' }, 60_000);
    expect(result.code, result.stderr).toBe(0);
    const described = JSON.parse(result.stdout) as { attributeCondition: string; attributeMapping: Record<string, string>; oidc: { issuerUri: string } };
    expect(described).toMatchObject({ name: GITLAB_PROVIDER, attributeCondition: 'assertion.project_id == "42" && assertion.ref == "main"', oidc: { issuerUri: 'https://gitlab.com' } });
    expect(result.stderr).toContain(`principalSet://iam.googleapis.com/${POOL}/attribute.project_id/42`);
    const unpinned = await run(node24!.node, [cli, 'trust-policy', '--cloud', 'gcp', '--platform', 'gitlab', '--claims', 'ref=main'], { PATH: '/usr/bin:/bin' }, 60_000);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toMatch(/^GCP_CONDITION_UNPINNED: /);
  });
});
