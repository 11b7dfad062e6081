// The Google inputs, parsed strictly, and what Google's refusals become.
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/config/settings.js';
import { classifyGoogleFailure, explainGoogleFailure, type GoogleFailure } from '../../src/core/gcp/failure.js';
import { parseProviderName } from '../../src/core/gcp/provider.js';

const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';
const settings = (inputs: Record<string, string>) => parseSettings((name) => inputs[name]);

describe('the Google inputs', () => {
  it('target Google alone, with the audience, endpoints and project that follow from them', () => {
    const { aws, gcp } = settings({ 'workload-identity-provider': PROVIDER, 'service-account': 'deploy@acme-prod.iam.gserviceaccount.com' });
    expect(aws).toBeUndefined();
    expect(gcp).toMatchObject({
      audience: `https://iam.googleapis.com/${PROVIDER}`,
      stsAudience: `//iam.googleapis.com/${PROVIDER}`,
      stsEndpoint: 'https://sts.googleapis.com',
      iamCredentialsEndpoint: 'https://iamcredentials.googleapis.com',
      projectId: 'acme-prod',
      projectFrom: 'service-account',
      lifetimeSeconds: 3600,
    });
  });

  it('follow the universe domain, and the audience input', () => {
    const { gcp } = settings({ 'workload-identity-provider': PROVIDER, 'gcp-universe-domain': 'apis-tpczero.goog', audience: 'ci' });
    expect(gcp).toMatchObject({ audience: 'ci', stsAudience: `//iam.apis-tpczero.goog/${PROVIDER}`, stsEndpoint: 'https://sts.apis-tpczero.goog' });
  });

  it('refuse what Google would, naming the input and the slip', () => {
    const refused = (inputs: Record<string, string>) => () => settings({ 'workload-identity-provider': PROVIDER, ...inputs });
    expect(refused({ 'workload-identity-provider': `//iam.googleapis.com/${PROVIDER}` })).toThrow(/workload-identity-provider .* without the \/\/iam.googleapis.com\/ prefix/);
    expect(refused({ 'workload-identity-provider': PROVIDER.replace('123456789012', 'acme-prod') })).toThrow(/must be its number/);
    expect(refused({ 'access-token-lifetime': '1h' })).toThrow(/Input access-token-lifetime is "1h"/);
    expect(refused({ 'access-token-lifetime': '43201s' })).toThrow(/43200/);
    expect(refused({ 'service-account': 'not an email' })).toThrow(/Input service-account/);
    expect(refused({ export: 'none' })).toThrow(/never gives out the federated token/);
    expect(() => settings({ 'service-account': 'deploy@acme-prod.iam.gserviceaccount.com' })).toThrow(/service-account is set, but workload-identity-provider is not/);
  });
});

describe("Google's refusals", () => {
  const provider = parseProviderName(PROVIDER)!;
  const context = { provider, serviceAccount: 'deploy@acme-prod.iam.gserviceaccount.com', audience: `https://iam.googleapis.com/${PROVIDER}`, issuer: 'https://token.actions.githubusercontent.com', claims: { sub: 'repo:acme/api:ref:refs/heads/dev', repository_id: '1' }, endpoint: 'https://sts.googleapis.com' };
  const sts = (status: number | undefined, error: string | undefined, message: string): GoogleFailure => ({ service: 'sts', status, error, message });

  it('retry what can pass, renew an expired token once, and stop at the rest', () => {
    expect(classifyGoogleFailure(sts(undefined, undefined, 'ECONNRESET'))).toBe('transient');
    expect(classifyGoogleFailure(sts(503, undefined, 'x'))).toBe('transient');
    expect(classifyGoogleFailure(sts(429, undefined, 'x'))).toBe('transient');
    expect(classifyGoogleFailure(sts(400, 'invalid_grant', "Error connecting to the given credential's issuer."))).toBe('key-fetch');
    expect(classifyGoogleFailure(sts(400, 'invalid_grant', 'The ID Token has expired.'))).toBe('expired-token');
    expect(classifyGoogleFailure(sts(400, 'unauthorized_client', 'The given credential is rejected by the attribute condition.'))).toBe('permanent');
    expect(classifyGoogleFailure({ service: 'iamcredentials', status: 403, error: 'PERMISSION_DENIED', message: 'x' })).toBe('permanent');
  });

  it('each get their own code, and the condition refusal names the claims presented', () => {
    const code = (failure: GoogleFailure) => explainGoogleFailure(failure, context).code;
    expect(explainGoogleFailure(sts(400, 'unauthorized_client', 'The given credential is rejected by the attribute condition.'), context).message).toMatch(/sub "repo:acme\/api:ref:refs\/heads\/dev", repository_id "1"/);
    expect(code(sts(400, 'invalid_grant', 'The audience in ID Token [x] does not match the expected audience.'))).toBe('GCP_AUDIENCE_MISMATCH');
    expect(code(sts(400, 'invalid_target', 'The target service indicated by the "audience" parameters is invalid.'))).toBe('GCP_PROVIDER_INVALID');
    expect(code(sts(400, 'invalid_grant', 'The issuer in ID Token x does not match the expected ones: y'))).toBe('GCP_TOKEN_REJECTED');
    expect(code({ service: 'iamcredentials', status: 403, error: 'PERMISSION_DENIED', message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)." })).toBe('GCP_IMPERSONATION_DENIED');
    expect(code({ service: 'iamcredentials', status: 400, error: 'INVALID_ARGUMENT', message: 'The lifetime requested exceeds the maximum.' })).toBe('GCP_LIFETIME_REFUSED');
    expect(code({ service: 'iamcredentials', status: 400, error: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' })).toBe('GCP_INVALID_REQUEST');
  });
});
