// The parts every front door assembles the same way: retries for network calls, the
// issuer's keys and token verification, and the run report. A front door
// brings only what is its own: how it gets a token, logs, masks and names sessions.
import { systemClock, type RetryPolicy } from '../core/retry.js';
import { githubRunLabel } from '../core/report/run-label.js';
import { predictedJwksUri } from '../oidc/jwks-location.js';
import type { Settings } from '../core/config/settings.js';
import { VERSION } from '../core/version.generated.js';
import { createActionsJsonGetter, createActionsPoster } from '../net/actions-http.js';
import { formPosterOf, type FormPoster, type JsonGetter, type Poster, type RetryContext } from '../net/http.js';
import { issuerJsonFetcher, issuerKeySource } from '../oidc/keys.js';
import { verifyToken } from '../oidc/verify.js';
import type { JobNaming, Log } from './cloud.js';
import type { FlowDeps } from './exchange.js';

// Also here for the front doors that take them with the rest; the CLI's dispatch and its
// offline commands import them from their own modules, which load no HTTP client.
export { lineLog } from './line-log.js';
export { runReport } from './run-report.js';

export const USER_AGENT = `claimcheck/${VERSION}`;

/** JSON over HTTP(S) for the token endpoint and the issuer: one attempt may take 10 s. */
export function jsonGetter(): JsonGetter {
  return createActionsJsonGetter({ userAgent: USER_AGENT, timeoutMs: 10_000 });
}

/** POSTs over the same HTTP(S) client (token endpoints): one attempt may take 10 s. */
export function poster(): Poster {
  return createActionsPoster({ userAgent: USER_AGENT, timeoutMs: 10_000 });
}

/** Form POSTs (OAuth token endpoints) over that client. */
export function formPoster(): FormPoster {
  return formPosterOf(poster());
}

/** Where a custom STS endpoint may come from besides the sts-endpoint input, as the SDKs read it. */
export function stsEndpointFromEnvironment(env: Readonly<Record<string, string | undefined>>): { variable: string; value: string } | undefined {
  const variable = ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  return variable ? { variable, value: env[variable] ?? '' } : undefined;
}

export function networkRetry(maxAttempts: number, log: Log): RetryContext {
  const policy: RetryPolicy = { maxAttempts, baseDelayMs: 250, maxDelayMs: 4_000, budgetMs: 30_000 };
  return {
    policy,
    clock: systemClock,
    onRetry: (failure, attempt, delay) => log.info(`Attempt ${attempt} at ${failure.target} failed (${failure.reason}); retrying in ${delay} ms.`),
  };
}

export interface FrontDoor {
  readonly get: JsonGetter;
  readonly log: Log;
  readonly mask: (secret: string) => void;
  readonly requestToken: FlowDeps['requestToken'];
  /** Where requestToken reads the token, when it reads rather than requests one. */
  readonly tokenOrigin?: string | undefined;
  readonly defaultSessionName: JobNaming['sessionName'];
  /** The run for the User-Agent of cloud calls; by default GitHub's, from the token's run_id and run_attempt. */
  readonly runLabel?: JobNaming['runLabel'];
}

export function flowDeps(settings: Settings, door: FrontDoor): FlowDeps {
  const fetchJson = issuerJsonFetcher(door.get, networkRetry(settings.retryMaxAttempts, door.log));
  const keys = issuerKeySource(settings.issuer, fetchJson, predictedJwksUri(settings.issuer));
  const verifyOptions = (audience: string) => ({
    issuer: settings.issuer,
    audience,
    clockToleranceSeconds: settings.clockToleranceSeconds,
    now: () => systemClock.now(),
  });
  return {
    requestToken: door.requestToken,
    tokenOrigin: door.tokenOrigin,
    prepare: () => keys.prefetch(),
    verifyToken: (token, audience) => verifyToken(token, verifyOptions(audience), keys),
    mask: door.mask,
    log: door.log,
    clock: systemClock,
    naming: { sessionName: door.defaultSessionName, runLabel: door.runLabel ?? githubRunLabel },
  };
}
