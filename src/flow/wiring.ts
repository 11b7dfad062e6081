// The parts every front door assembles the same way: retries for network calls, the
// issuer's keys and token verification, the STS client, and the run report. A front door
// brings only what is its own: how it gets a token, logs, masks and names sessions.
import { inertLines } from '../core/text/inert-text.js';
import { systemClock, type RetryPolicy } from '../core/retry.js';
import type { RunReport } from '../core/report/report.js';
import { githubRunLabel, type RunLabel } from '../core/report/run-label.js';
import { issuerKeys, type IssuerKeys } from '../core/trust/aws/keys.js';
import { predictedJwksUri } from '../oidc/jwks-location.js';
import type { ClaimRule } from '../core/rules/rules.js';
import { reachOf } from '../core/trust/aws/binding.js';
import type { Settings } from '../core/config/settings.js';
import { VERSION } from '../core/version.generated.js';
import { createSts } from '../clouds/aws/sts.js';
import { createActionsJsonGetter } from '../net/actions-http.js';
import type { JsonGetter, RetryContext } from '../net/http.js';
import { issuerJsonFetcher, issuerKeySource } from '../oidc/keys.js';
import { verifyToken } from '../oidc/verify.js';
import type { Assumed, AssumeRoleDeps, Log } from './assume-role.js';

export const USER_AGENT = `claimcheck/${VERSION}`;

/** JSON over HTTP(S) for the token endpoint and the issuer: one attempt may take 10 s. */
export function jsonGetter(): JsonGetter {
  return createActionsJsonGetter({ userAgent: USER_AGENT, timeoutMs: 10_000 });
}

/** Where a custom STS endpoint may come from besides the sts-endpoint input, as the SDKs read it. */
export function stsEndpointFromEnvironment(env: Readonly<Record<string, string | undefined>>): { variable: string; value: string } | undefined {
  const variable = ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  return variable ? { variable, value: env[variable] ?? '' } : undefined;
}

/**
 * A Log for platforms that print plain lines (the orb, the CLI): every line redacted and
 * inert (no control or escape sequence for a terminal, no workflow command for a GitHub
 * runner, which also reads the CLI's output there), debug lines only when CLAIMCHECK_DEBUG
 * is 1 or true.
 */
export function lineLog(print: (line: string) => void, redact: (text: string) => string, env: Readonly<Record<string, string | undefined>>): Log {
  const debug = env.CLAIMCHECK_DEBUG === '1' || env.CLAIMCHECK_DEBUG === 'true';
  const shown = (text: string) => inertLines(redact(text));
  return {
    info: (text) => print(shown(text)),
    warning: (text) => print(shown(`Warning: ${text}`)),
    debug: (text) => (debug ? print(shown(`[debug] ${text}`)) : undefined),
  };
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
  readonly requestToken: AssumeRoleDeps['requestToken'];
  /** Where requestToken reads the token, when it reads rather than requests one. */
  readonly tokenOrigin?: string | undefined;
  readonly defaultSessionName: AssumeRoleDeps['defaultSessionName'];
  /** The run for the User-Agent of STS calls; by default GitHub's, from the token's run_id and run_attempt. */
  readonly runLabel?: (claims: Readonly<Record<string, unknown>>) => RunLabel;
}

export function assumeRoleDeps(settings: Settings, door: FrontDoor): AssumeRoleDeps {
  const fetchJson = issuerJsonFetcher(door.get, networkRetry(settings.retryMaxAttempts, door.log));
  const keys = issuerKeySource(settings.issuer, fetchJson, predictedJwksUri(settings.issuer));
  const verifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockToleranceSeconds: settings.clockToleranceSeconds,
    now: () => systemClock.now(),
  };
  const sts = createSts({ region: settings.region, endpoint: settings.stsEndpoint, userAgent: ['claimcheck', VERSION] });
  return {
    requestToken: door.requestToken,
    tokenOrigin: door.tokenOrigin,
    prepare: () => {
      keys.prefetch();
      // Loading the SDK holds the thread for tens of ms: first let the requests just started
      // (the token, the issuer's keys) reach the wire, then load it while their answers travel.
      setImmediate(() => sts.prepare());
    },
    verifyToken: (token) => verifyToken(token, verifyOptions, keys),
    sts,
    mask: door.mask,
    log: door.log,
    clock: systemClock,
    defaultSessionName: door.defaultSessionName,
    runLabel: door.runLabel ?? githubRunLabel,
  };
}

/** Whether AWS could enforce a rule (on which key), or only claimcheck checks it. */
function bindsAt(rule: ClaimRule, keys: IssuerKeys): { binds: 'aws' | 'claimcheck'; key?: string } {
  const reach = reachOf(rule, keys);
  return 'key' in reach ? { binds: 'aws', key: reach.key } : { binds: 'claimcheck' };
}

export function runReport(settings: Settings, assumed: Assumed, job: RunReport['job']): RunReport {
  const { claims } = assumed.token;
  const keys = issuerKeys(settings.issuer);
  return {
    version: VERSION,
    job,
    issuer: settings.issuer,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    roleArn: assumed.target.roleArn.arn,
    roleEntry: assumed.target.entry,
    roleChain: assumed.target.chain.map((hop) => hop.roleArn.arn),
    assumedRoleArn: assumed.session.assumedRoleArn,
    accountId: assumed.accountId,
    sessionName: assumed.sessionName,
    region: settings.region,
    expiration: assumed.session.expiration,
    sourceIdentity: assumed.sourceIdentity,
    stsRequests: assumed.steps.map((step) => ({ role: step.roleArn, requestId: step.requestId })),
    rules: assumed.rules.map((result) => ({ rule: result.rule.source, held: result.held, ...bindsAt(result.rule, keys) })),
  };
}
