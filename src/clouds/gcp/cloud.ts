// Google Cloud as the flow sees it: a target whose tokens have the provider's audience,
// exchanged at Google's STS (and IAM Credentials, to impersonate a service account), which
// hands itself over as an external_account credentials file every Google client reads.
import type { Settings } from '../../core/config/settings.js';
import { gcpFacts } from '../../core/gcp/report.js';
import type { GcpSettings } from '../../core/gcp/settings.js';
import { celClaim } from '../../core/trust/gcp/cel.js';
import type { CloudSession, CloudTarget } from '../../flow/cloud.js';
import { poster } from '../../flow/wiring.js';
import { exchangeGoogle } from './exchange.js';
import { createGoogleApi, type GoogleApi } from './google-api.js';
import { handOverGcp } from './hand-over.js';

/** One attempt at Google may take 10 s, as every other call. */
function defaultApi(gcp: GcpSettings): GoogleApi {
  return createGoogleApi({
    post: poster(),
    stsEndpoint: gcp.stsEndpoint,
    iamCredentialsEndpoint: gcp.iamCredentialsEndpoint,
    now: Date.now,
  });
}

export function gcpTarget(settings: Settings, gcp: GcpSettings, api: GoogleApi = defaultApi(gcp)): CloudTarget {
  return {
    cloud: 'gcp',
    audience: gcp.audience,
    precheck: () => {},
    prepare: () => {},
    async exchange(tokens, context): Promise<CloudSession> {
      const exchanged = await exchangeGoogle({ gcp, api, issuer: settings.issuer, maxAttempts: settings.retryMaxAttempts }, tokens, context);
      const sub = exchanged.token.verified.claims.sub;
      return {
        cloud: 'gcp',
        token: exchanged.token,
        rules: [],
        facts: gcpFacts({
          provider: gcp.provider.name,
          subject: typeof sub === 'string' ? sub : undefined,
          serviceAccount: gcp.serviceAccount,
          projectId: gcp.projectId,
          expiration: (exchanged.accessToken ?? exchanged.federated).expiration,
        }),
        // The provider's condition reads every claim of the token as assertion.<claim>.
        enforces: (rule) => celClaim(rule.claim),
        handOver: (place) => handOverGcp(gcp, exchanged, place),
      };
    },
  };
}
