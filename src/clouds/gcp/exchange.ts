// Google's exchange: the checked CI token at STS for a federated token of the provider's pool,
// then (with a service account) that token at IAM Credentials for an access token of the
// account. Each call is retried on faults that can pass, within a time budget; a token STS
// calls expired is replaced by a fresh one once; every refusal becomes an error with its own
// code, the claims the token presented, and a hint. Tokens are masked the moment they exist.
import { classifyGoogleFailure, explainGoogleExhausted, explainGoogleFailure, type GoogleCallContext } from '../../core/gcp/failure.js';
import type { GcpSettings } from '../../core/gcp/settings.js';
import { RetriesExhausted, withRetries, type RetryPolicy } from '../../core/retry.js';
import type { CheckedToken, ExchangeContext, TokenSupply } from '../../flow/cloud.js';
import { GoogleCallFailed, type GoogleApi, type GoogleToken } from './google-api.js';

/** What the exchange made. */
export interface GcpExchanged {
  readonly token: CheckedToken;
  readonly federated: GoogleToken;
  /** The service account's access token, when one is impersonated. */
  readonly accessToken: GoogleToken | undefined;
}

/** Failures reaching the issuer's keys at Google are retried only this often: they rarely pass at once. */
const KEY_FETCH_RETRIES = 2;

function googleRetryPolicy(maxAttempts: number): RetryPolicy {
  return { maxAttempts, baseDelayMs: 300, maxDelayMs: 5_000, budgetMs: 60_000 };
}

export interface GcpExchangeDeps {
  readonly gcp: GcpSettings;
  readonly api: GoogleApi;
  readonly issuer: string;
  readonly maxAttempts: number;
}

export async function exchangeGoogle(deps: GcpExchangeDeps, tokens: TokenSupply, context: ExchangeContext): Promise<GcpExchanged> {
  const { gcp, api } = deps;
  const callContext = (endpoint: string): GoogleCallContext => ({
    provider: gcp.provider,
    serviceAccount: gcp.serviceAccount,
    audience: gcp.audience,
    issuer: deps.issuer,
    claims: tokens.current().verified.claims,
    endpoint,
  });
  context.log.info(`Exchanging the token at Google STS (${api.stsEndpoint}) for provider ${gcp.provider.name}.`);
  const federated = await withGoogleRetries(deps, context, () => api.exchange(tokens.current().raw, gcp.stsAudience), {
    renew: async () => {
      await tokens.renew();
    },
    context: () => callContext(api.stsEndpoint),
  });
  context.mask(federated.token);
  if (gcp.serviceAccount === undefined) {
    context.log.info(`Google STS issued a federated token; it expires at ${federated.expiration.toISOString()}.`);
    return { token: tokens.current(), federated, accessToken: undefined };
  }
  const account = gcp.serviceAccount;
  context.log.info(`Impersonating ${account} for ${gcp.lifetimeSeconds} s (IAM Credentials ${api.iamCredentialsEndpoint}).`);
  const accessToken = await withGoogleRetries(deps, context, () => api.generateAccessToken(federated.token, account, gcp.lifetimeSeconds), {
    context: () => callContext(api.iamCredentialsEndpoint),
  });
  context.mask(accessToken.token);
  context.log.info(`Made an access token of ${account}; it expires at ${accessToken.expiration.toISOString()}.`);
  return { token: tokens.current(), federated, accessToken };
}

interface CallPlan {
  /** Gets a fresh CI token when STS says the one sent expired; absent where no CI token is sent. */
  readonly renew?: () => Promise<void>;
  readonly context: () => GoogleCallContext;
}

async function withGoogleRetries<T>(deps: GcpExchangeDeps, context: ExchangeContext, call: () => Promise<T>, plan: CallPlan): Promise<T> {
  let keyFetchFailures = 0;
  let renewNeeded = false;
  let renewed = false;
  const decide = (error: unknown) => {
    if (!(error instanceof GoogleCallFailed)) return 'stop' as const;
    switch (classifyGoogleFailure(error.failure)) {
      case 'transient':
        return 'retry' as const;
      case 'key-fetch':
        return ++keyFetchFailures <= KEY_FETCH_RETRIES ? ('retry' as const) : ('stop' as const);
      case 'expired-token':
        renewNeeded = plan.renew !== undefined && !renewed;
        return renewNeeded ? ('retry' as const) : ('stop' as const);
      case 'permanent':
        return 'stop' as const;
    }
  };
  const attempt = async () => {
    if (renewNeeded && plan.renew) {
      [renewNeeded, renewed] = [false, true];
      await plan.renew();
    }
    return call();
  };
  try {
    return await withRetries(attempt, {
      policy: googleRetryPolicy(deps.maxAttempts),
      clock: context.clock,
      decide,
      onRetry: (error, attempt, delay) => context.log.info(`Google attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms.`),
    });
  } catch (error) {
    if (error instanceof RetriesExhausted && error.last instanceof GoogleCallFailed) {
      throw explainGoogleExhausted(error.last.failure, error.attempts, error.elapsedMs, plan.context().endpoint);
    }
    if (error instanceof GoogleCallFailed) throw explainGoogleFailure(error.failure, plan.context());
    throw error;
  }
}
