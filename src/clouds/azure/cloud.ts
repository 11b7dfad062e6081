// Azure as the flow sees it: a target whose tokens have Entra's federated audience, exchanged
// with the client credentials grant for an access token that proves the identity works; the
// session hands over a token file kept fresh for the job, and the variables clients read.
import { azureFacts } from '../../core/azure/report.js';
import type { AzureSettings } from '../../core/azure/settings.js';
import type { Settings } from '../../core/config/settings.js';
import { azureReach } from '../../core/trust/azure/reach.js';
import type { CloudSession, CloudTarget } from '../../flow/cloud.js';
import type { FormPoster } from '../../net/http.js';
import { formPoster } from '../../flow/wiring.js';
import { createEntra } from './entra.js';
import { signIn, type AzureSignedIn } from './exchange.js';
import { handOverAzure } from './hand-over.js';

export interface AzureSession extends CloudSession {
  readonly signedIn: AzureSignedIn;
}

export function azureTarget(settings: Settings, azure: AzureSettings, post: FormPoster = formPoster()): CloudTarget {
  const entra = createEntra(azure, post);
  return {
    cloud: 'azure',
    audience: azure.audience,
    precheck: () => {},
    prepare: () => {},
    async exchange(tokens, context): Promise<AzureSession> {
      const signedIn = await signIn(settings, azure, entra, tokens, context);
      return {
        cloud: 'azure',
        token: signedIn.token,
        rules: [],
        facts: azureFacts({
          clientId: azure.clientId,
          tenant: azure.tenantId,
          tenantId: signedIn.entra.tenantId,
          objectId: signedIn.entra.objectId,
          subscriptionId: azure.subscriptionId,
          scope: azure.scope,
          authorityHost: azure.authorityHost,
          expiration: signedIn.entra.expiresAt,
          requestId: signedIn.entra.requestId,
          correlationId: signedIn.entra.correlationId,
        }),
        enforces: (rule) => azureReach(rule, settings.issuer, signedIn.token.verified.claims),
        signedIn,
        handOver: (place) => handOverAzure(azure, signedIn, place),
      };
    },
  };
}
