// The services the measured processes talk to, on loopback, each answering after the same
// latency: GitHub's (an issuer serving its keys where GitHub's does, so that claimcheck's
// prediction of the key set's URL holds as it does against GitHub, and the job's token
// endpoint), AWS STS, Google's STS and IAM Credentials, and Entra ID's token endpoint over TLS
// (a throwaway CA, trusted through NODE_EXTRA_CA_CERTS; the step reaches it as its
// azure-authority-host).
import { startTokenEndpoint, type TokenEndpoint } from '../../test/harness/github.ts';
import { startEntra, type EntraDouble } from '../../test/harness/entra.ts';
import { startGoogle, type GoogleDouble } from '../../test/harness/google.ts';
import { startIssuer, type TestIssuer } from '../../test/harness/issuer.ts';
import { startSts } from '../../test/harness/sts.ts';
import { makeTestCa, type TestCa } from '../../test/harness/tls-ca.ts';
import { webIdentityTrustPolicy } from '../../test/harness/trust-policy.ts';
import { DEPLOY_ROLE } from '../../test/harness/world.ts';

export const ROLE = DEPLOY_ROLE;
export const GOOGLE_PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';
const GOOGLE_POOL = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool';
export const GOOGLE_ACCOUNT = 'deploy@acme-prod.iam.gserviceaccount.com';
const JWKS_PATH = '/.well-known/jwks';
export const AZURE_TENANT = '72f988bf-0000-4000-8000-00000000a11e';
export const AZURE_CLIENT = '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';
const ARM = 'https://management.azure.com';

export interface Services {
  readonly latencyMs: number;
  readonly issuer: TestIssuer;
  readonly endpoint: TokenEndpoint;
  readonly stsUrl: string;
  readonly google: GoogleDouble;
  readonly entra: EntraDouble;
  /** The CA Entra's certificate is from: NODE_EXTRA_CA_CERTS for the step. */
  readonly ca: TestCa;
  close(): Promise<void>;
}

function startGoogleFor(issuer: TestIssuer, latencyMs: number): Promise<GoogleDouble> {
  return startGoogle({
    providers: [{
      name: GOOGLE_PROVIDER,
      issuerUri: issuer.url,
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository_id': 'assertion.repository_id' },
      attributeCondition: 'assertion.repository_id == "123456789" && assertion.ref == "refs/heads/main"',
    }],
    serviceAccounts: [{ email: GOOGLE_ACCOUNT, workloadIdentityUsers: [`principalSet://iam.googleapis.com/${GOOGLE_POOL}/attribute.repository_id/123456789`] }],
    jwksPath: JWKS_PATH,
    latencyMs,
  });
}

export async function startServices(latencyMs: number): Promise<Services> {
  const issuer = await startIssuer({ latencyMs, jwksPath: JWKS_PATH });
  const endpoint = await startTokenEndpoint(issuer, { latencyMs });
  const trustPolicy = webIdentityTrustPolicy(issuer.host, 'repo:acme/api:ref:refs/heads/main', 'sts.amazonaws.com');
  const sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy }], latencyMs });
  const google = await startGoogleFor(issuer, latencyMs);
  const ca = makeTestCa();
  const app = { clientId: AZURE_CLIENT, objectId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9', tenantId: AZURE_TENANT, credentials: [{ issuer: issuer.url, subject: 'repo:acme/api:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }] };
  const entra = await startEntra({ tls: ca, tenants: [{ id: AZURE_TENANT, domains: [] }], apps: [app], resources: [ARM], latencyMs });
  const close = async () => {
    await Promise.all([sts.close(), endpoint.close(), google.close(), entra.close()]);
    await issuer.close();
  };
  return { latencyMs, issuer, endpoint, stsUrl: sts.url, google, entra, ca, close };
}
