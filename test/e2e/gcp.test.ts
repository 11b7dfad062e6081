// Google Cloud through the Action: the token is verified and held to the rules, exchanged at
// the STS double (which checks signature, audience and the provider's CEL condition) and at
// IAM Credentials; the credentials file it hands over is read by google-auth-library in a
// later step, which keeps working after its access token and the CI token have expired.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runStep, startTokenEndpoint, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { googleAuthLibrary } from '../harness/google-client.ts';
import { startGoogle, type GoogleDouble } from '../harness/google.ts';
import { startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool';
const ACCOUNT = 'deploy@acme-prod.iam.gserviceaccount.com';
const [node24] = nodeRuntimes();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let google: GoogleDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  google = await startGoogle({
    providers: [{
      name: PROVIDER,
      issuerUri: issuer.url,
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository_id': 'assertion.repository_id' },
      attributeCondition: 'assertion.repository_id == "123456789" && assertion.ref == "refs/heads/main"',
    }],
    serviceAccounts: [{ email: ACCOUNT, workloadIdentityUsers: [`principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/123456789`] }],
    accessTokenLifetimeSeconds: 4,
    projects: ['acme-prod'],
  });
});
afterAll(async () => Promise.all([google?.close(), endpoint?.close()]).then(() => issuer?.close()));

/** The Action's main step for Google alone. */
function googleStep(inputs: Record<string, string> = {}): Promise<StepRun> {
  return runStep({
    node: node24!.node,
    script: join(REPO_ROOT, 'dist/main/index.js'),
    tokenEndpoint: endpoint,
    inputs: {
      issuer: issuer.url,
      'workload-identity-provider': PROVIDER,
      'service-account': ACCOUNT,
      'gcp-sts-endpoint': google.stsUrl,
      'gcp-iam-credentials-endpoint': google.iamUrl,
      claims: 'repository_id=123456789',
      ...inputs,
    },
    env: { RUNNER_DEBUG: '1' },
  });
}

/** A later step: the runner's variables (the token request ones included, as in every step of the job) and what was exported. */
function laterStep(run: StepRun): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: run.dir, ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: endpoint.bearer, ...run.exported };
}

describe('workload-identity-provider with service-account', () => {
  it('hands over a credentials file that google-auth-library reads, and that keeps working after the access token and the CI token expire', async () => {
    endpoint.signOptions = { expiresIn: 5 };
    const run = await googleStep();
    expect(run.code, visibleOutput(run)).toBe(0);
    const path = run.exported.GOOGLE_APPLICATION_CREDENTIALS!;
    expect(run.exported).toMatchObject({ CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: path, GOOGLE_GHA_CREDS_PATH: path, GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1', GOOGLE_CLOUD_PROJECT: 'acme-prod', CLOUDSDK_CORE_PROJECT: 'acme-prod' });
    expect(run.outputs).toMatchObject({ credentials_file_path: path, project_id: 'acme-prod' });
    expect(run.outputs.access_token).toMatch(/^ya29\./);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = readFileSync(path, 'utf8');
    expect(JSON.parse(file)).toMatchObject({ type: 'external_account', audience: `//iam.googleapis.com/${PROVIDER}`, token_url: `${google.stsUrl}/v1/token`, service_account_impersonation_url: `${google.iamUrl}/v1/projects/-/serviceAccounts/${encodeURIComponent(ACCOUNT)}:generateAccessToken` });
    const secrets = [endpoint.bearer, ...endpoint.issued, ...google.issued.map((token) => token.token)];
    expect(findLeaks({ file, renewal: readFileSync(join(path, '..', 'renewal.json'), 'utf8'), log: visibleOutput(run), env: run.files.GITHUB_ENV ?? '' }, secrets)).toEqual([]);

    const exchangesBefore = google.calls.filter((call) => call.service === 'sts' && call.status === 200).length;
    const client = await googleAuthLibrary(laterStep(run), `${google.resourceUrl}/v1/projects/acme-prod`, 2, 6_000);
    expect(client.results).toEqual([{ status: 200, caller: ACCOUNT }, { status: 200, caller: ACCOUNT }]);
    expect(client.project).toBe('acme-prod');
    // Each refresh exchanged a fresh CI token: two more exchanges, with two tokens of their own.
    const exchanges = google.calls.filter((call) => call.service === 'sts' && call.status === 200).slice(exchangesBefore);
    expect(exchanges.length).toBeGreaterThanOrEqual(2);
    expect(new Set(exchanges.map((call) => call.detail)).size).toBe(exchanges.length);
    // The second call came after the first renewal's CI token (5 s) had expired.
    const firstExp = Number(/exp (\d+)/.exec(exchanges[0]!.detail!)![1]);
    const lastExp = Number(/exp (\d+)/.exec(exchanges.at(-1)!.detail!)![1]);
    expect(lastExp - firstExp).toBeGreaterThanOrEqual(6);
    endpoint.signOptions = {};
  }, 60_000);
});

describe('what is left behind', () => {
  it('keeps no file once the post step ran, and blanks the variables', async () => {
    const run = await googleStep();
    expect(run.code).toBe(0);
    const path = run.exported.GOOGLE_APPLICATION_CREDENTIALS!;
    expect(path.startsWith(run.dir)).toBe(true); // the runner's temp folder, not the workspace
    const post = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: run.state });
    expect(post.code).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(path, '..'))).toBe(false);
    expect(post.exported).toMatchObject({ GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: '', GOOGLE_CLOUD_PROJECT: '' });
  });
});

describe('direct Workload Identity Federation (no service account)', () => {
  it('hands over the federated identity, which google-auth-library uses as is', async () => {
    const run = await googleStep({ 'service-account': '', 'project-id': 'acme-prod' });
    expect(run.code, visibleOutput(run)).toBe(0);
    expect(run.outputs.access_token).toBeUndefined();
    expect(JSON.parse(readFileSync(run.exported.GOOGLE_APPLICATION_CREDENTIALS!, 'utf8')).service_account_impersonation_url).toBeUndefined();
    const client = await googleAuthLibrary(laterStep(run), `${google.resourceUrl}/v1/projects/acme-prod`);
    expect(client.results).toEqual([{ status: 200, caller: `principal://iam.googleapis.com/${POOL}/subject/repo:acme/api:ref:refs/heads/main` }]);
  });
});

describe('refusals, each with its own code', () => {
  const annotation = (run: StepRun) => run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';

  it('GCP_CONDITION_REFUSED names the claims presented', async () => {
    endpoint.claims = { ...endpoint.claims, ref: 'refs/heads/dev' };
    const run = await googleStep();
    endpoint.claims = { ...endpoint.claims, ref: 'refs/heads/main' };
    expect(run.code).not.toBe(0);
    expect(annotation(run)).toMatch(/GCP_CONDITION_REFUSED: The attribute condition of provider projects\/123456789012\/.* refused the token: .*ref "refs\/heads\/dev"/);
    expect(run.exported.GOOGLE_APPLICATION_CREDENTIALS).toBeUndefined();
  });

  it('GCP_AUDIENCE_MISMATCH when the token was requested for an audience the provider does not allow', async () => {
    const run = await googleStep({ audience: 'https://example.com/other' });
    expect(annotation(run)).toMatch(/GCP_AUDIENCE_MISMATCH: Provider .* does not accept the token's audience https:\/\/example.com\/other/);
  });

  it('GCP_IMPERSONATION_DENIED when the pool principal holds no workloadIdentityUser on the account', async () => {
    const run = await googleStep({ 'service-account': 'other@acme-prod.iam.gserviceaccount.com' });
    expect(annotation(run)).toMatch(/GCP_IMPERSONATION_DENIED: The federated identity may not impersonate other@acme-prod.iam.gserviceaccount.com/);
    expect(annotation(run)).toMatch(/roles\/iam.workloadIdentityUser/);
  });

  it('GCP_LIFETIME_REFUSED when the lifetime is over what the account allows', async () => {
    const run = await googleStep({ 'access-token-lifetime': '7200s' });
    expect(annotation(run)).toMatch(/GCP_LIFETIME_REFUSED: Google refused an access token of deploy@acme-prod.iam.gserviceaccount.com/);
  });

  it('RULE_FAILED before Google is called', async () => {
    const before = google.calls.length;
    const run = await googleStep({ claims: 'repository_id=1' });
    expect(annotation(run)).toMatch(/RULE_FAILED/);
    expect(google.calls.length).toBe(before);
  });

  it('retries a 503 from STS, then succeeds', async () => {
    google.faults.sts.push({ status: 503, body: '{"error":"temporarily_unavailable"}' });
    const run = await googleStep();
    expect(run.code, visibleOutput(run)).toBe(0);
    expect(run.stdout).toMatch(/Google attempt 1 failed/);
  });

  it('a renewal whose rules no longer hold gives the client claimcheck\'s code, and no token', async () => {
    const run = await googleStep();
    expect(run.code).toBe(0);
    endpoint.claims = { ...endpoint.claims, repository_id: '999' };
    try {
      const client = await googleAuthLibrary(laterStep(run), `${google.resourceUrl}/v1/projects/acme-prod`);
      expect(client.results[0]!.error).toMatch(/RULE_FAILED/);
    } finally {
      endpoint.claims = { ...endpoint.claims, repository_id: '123456789' };
    }
  });
});

describe('one step, two clouds', () => {
  it('hands over an AWS session and Google credentials, each from a token of its own audience, and names both in the summary and the audit line', async () => {
    const role = 'arn:aws:iam::111122223333:role/deploy';
    const sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: role, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
    try {
      const requested = endpoint.requests.length;
      const run = await googleStep({ 'role-to-assume': role, 'aws-region': 'us-east-1', 'sts-endpoint': sts.url });
      expect(run.code, visibleOutput(run)).toBe(0);
      expect(endpoint.requests.slice(requested).map((request) => request.audience)).toEqual(['sts.amazonaws.com', `https://iam.googleapis.com/${PROVIDER}`]);
      expect(run.exported).toMatchObject({ AWS_ACCESS_KEY_ID: expect.stringMatching(/^ASIA/), GOOGLE_APPLICATION_CREDENTIALS: expect.stringContaining('credentials.json') });
      expect(run.summary).toMatch(/claimcheck assumed `deploy`, impersonated `deploy@acme-prod.iam.gserviceaccount.com`/);
      expect(run.summary).toContain('**Google Cloud**');
      const audit = JSON.parse(/claimcheck-audit (.*)$/m.exec(run.stdout)![1]!) as { clouds: Array<Record<string, unknown>> };
      expect(audit.clouds).toEqual([
        expect.objectContaining({ cloud: 'aws', role }),
        expect.objectContaining({ cloud: 'gcp', provider: PROVIDER, service_account: ACCOUNT, project_id: 'acme-prod', subject: 'repo:acme/api:ref:refs/heads/main' }),
      ]);
    } finally {
      await sts.close();
    }
  });
});
