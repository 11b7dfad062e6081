// Azure's exchange: the checked token as the client assertion of a client credentials request
// to Entra ID, with classified retries: faults that pass with time are retried within a time
// budget, an assertion Entra finds out of its time range is sent once more as a fresh token,
// and every other refusal is explained at once (the claims, and the credential that accepts them).
import { classifyEntraFailure, explainEntraExhausted, explainEntraFailure, type EntraContext } from '../../core/azure/entra-failure.js';
import type { AzureSettings } from '../../core/azure/settings.js';
import type { Settings } from '../../core/config/settings.js';
import { RetriesExhausted, withRetries, type RetryPolicy } from '../../core/retry.js';
import type { CheckedToken, ExchangeContext, TokenSupply } from '../../flow/cloud.js';
import { EntraCallFailed, type Entra, type EntraToken } from './entra.js';

/** What the exchange made: the token Entra accepted, and the access token that proved it. */
export interface AzureSignedIn {
  readonly token: CheckedToken;
  readonly entra: EntraToken;
}

function entraRetryPolicy(settings: Settings): RetryPolicy {
  return { maxAttempts: settings.retryMaxAttempts, baseDelayMs: 300, maxDelayMs: 5_000, budgetMs: 60_000 };
}

export async function signIn(settings: Settings, azure: AzureSettings, entra: Entra, tokens: TokenSupply, context: ExchangeContext): Promise<AzureSignedIn> {
  const explainFor = (): EntraContext => ({ clientId: azure.clientId, tenantId: azure.tenantId, endpoint: entra.endpoint, claims: tokens.current().verified.claims });
  let renewNeeded = false;
  let renewed = false;
  const decide = (error: unknown) => {
    if (!(error instanceof EntraCallFailed)) return 'stop';
    const kind = classifyEntraFailure(error.failure);
    if (kind === 'transient') return 'retry';
    renewNeeded = kind === 'assertion-time' && !renewed;
    return renewNeeded ? 'retry' : 'stop';
  };
  const attempt = async () => {
    if (renewNeeded) {
      [renewNeeded, renewed] = [false, true];
      await tokens.renew();
    }
    return entra.clientCredentials(tokens.current().raw);
  };
  context.log.info(`Signing in to Azure as app ${azure.clientId} in tenant ${azure.tenantId} (Entra ID ${entra.endpoint}, scope ${azure.scope}).`);
  let token: EntraToken;
  try {
    token = await withRetries(attempt, {
      policy: entraRetryPolicy(settings),
      clock: context.clock,
      decide,
      onRetry: (error, attempt, delay) => context.log.info(`Entra ID attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms.`),
    });
  } catch (error) {
    if (error instanceof RetriesExhausted && error.last instanceof EntraCallFailed) throw explainEntraExhausted(error.last.failure, error.attempts, error.elapsedMs, explainFor());
    if (error instanceof EntraCallFailed) throw explainEntraFailure(error.failure, explainFor());
    throw error;
  }
  context.mask(token.accessToken);
  context.log.info(`Entra ID accepted the token: an access token for ${azure.scope} until ${token.expiresAt.toISOString()} (correlation ID ${token.correlationId}).`);
  return { token: tokens.current(), entra: token };
}
