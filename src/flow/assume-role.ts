// The whole exchange, independent of any CI platform: token → verified claims → rules →
// AssumeRoleWithWebIdentity → checked session. It exports nothing: the caller publishes
// the result only when every step has succeeded, so a failure never leaves a partial export.
import { accountOfAssumedRole } from '../core/arn.js';
import { RetriesExhausted, withRetries, type Clock, type RetryPolicy } from '../core/retry.js';
import { chooseRole, type RoleTarget } from '../core/role-map.js';
import { checkClaimRules, ruleFailure, type RuleResult } from '../core/rules.js';
import { assertAccountAllowed, type Settings } from '../core/settings.js';
import { ClaimcheckError } from '../core/errors.js';
import { inertJson } from '../core/inert-text.js';
import { classifyStsFailure, explainChainFailure, explainStsExhausted, explainStsFailure, type StsFailure } from '../core/sts-failure.js';
import { StsCallFailed, type Sts, type StsSession } from '../aws/sts.js';
import type { VerifiedToken } from '../oidc/verify.js';

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

export interface AssumeRoleDeps {
  /** Obtains a fresh OIDC token for the audience. */
  readonly requestToken: (audience: string) => Promise<string>;
  /** Where requestToken reads an existing token (a file, a variable); undefined when it requests one. */
  readonly tokenOrigin?: string | undefined;
  /**
   * Starts what needs no token (fetching the issuer's keys, loading the STS client) while
   * the token request is in flight: on a real network that wait is the longest part.
   */
  readonly prepare: () => void;
  readonly verifyToken: (token: string) => Promise<VerifiedToken>;
  readonly sts: Sts;
  /** Hides a secret from every later output; called the moment a secret exists. */
  readonly mask: (secret: string) => void;
  readonly log: Log;
  readonly clock: Clock;
  /** The session name to use when the role-session-name input is empty. */
  readonly defaultSessionName: (claims: Readonly<Record<string, unknown>>) => string;
}

export interface Assumed {
  readonly token: VerifiedToken;
  /** The role assumed, and the role map entry that chose it. */
  readonly target: RoleTarget;
  readonly rules: readonly RuleResult[];
  readonly sessionName: string;
  readonly session: StsSession;
  readonly accountId: string;
}

interface Token {
  readonly raw: string;
  readonly verified: VerifiedToken;
}

/** AWS caps sessions made by role chaining at one hour. */
const CHAINED_SESSION_LIMIT = 3600;

/** Key-fetch failures at STS are retried only this often: they rarely pass. */
const KEY_FETCH_RETRIES = 2;

function assertChainDuration(settings: Settings, target: RoleTarget): void {
  if (settings.roleChain.length === 0 || target.durationSeconds <= CHAINED_SESSION_LIMIT) return;
  throw new ClaimcheckError(
    'INPUT_INVALID',
    `The session would last ${target.durationSeconds} s, but role chaining (role-chain) caps every chained session at 1 hour (3600 s).`,
    'Set role-duration-seconds (or the role map entry\'s duration-seconds) to at most 3600, or assume the last role directly instead of chaining.',
  );
}

function stsRetryPolicy(settings: Settings): RetryPolicy {
  return { maxAttempts: settings.retryMaxAttempts, baseDelayMs: 300, maxDelayMs: 5_000, budgetMs: 60_000 };
}

export async function assumeRole(settings: Settings, deps: AssumeRoleDeps): Promise<Assumed> {
  const candidates = [...(settings.roleArn ? [settings.roleArn] : settings.roleMap.map((entry) => entry.roleArn)), ...settings.roleChain];
  for (const role of candidates) {
    if (settings.maskAccountId) deps.mask(role.accountId);
    assertAccountAllowed(settings.allowedAccountIds, role.accountId, role === settings.roleArn ? 'role-to-assume' : `The role ${role.arn}`);
  }
  for (const warning of settings.warnings) deps.log.warning(warning);

  let { token, rules } = await obtainCheckedToken(settings, deps);
  const target = chooseRole(settings, token.verified.claims);
  assertChainDuration(settings, target);
  if (target.entry !== undefined) deps.log.info(`Role map entry ${target.entry} matches: ${target.roleArn.arn}.`);
  const sessionName = settings.roleSessionName ?? deps.defaultSessionName(token.verified.claims);
  deps.log.info(`Assuming ${target.roleArn.arn} as session ${sessionName} for ${target.durationSeconds} s (STS ${deps.sts.endpoint}).`);
  const first = await webIdentitySession(settings, target, deps, sessionName, () => token, async () => {
    ({ token, rules } = await obtainCheckedToken(settings, deps));
  });
  maskSession(deps, first);
  const session = await chainRoles(settings, target, deps, sessionName, first);

  const accountId = accountOfAssumedRole(session.assumedRoleArn) ?? target.roleArn.accountId;
  if (settings.maskAccountId) deps.mask(accountId);
  assertAccountAllowed(settings.allowedAccountIds, accountId, 'The assumed role');
  return { token: token.verified, target, rules: [...rules, ...target.rules], sessionName, session, accountId };
}

/** A fresh, verified token whose claims meet every rule; the rules are checked on every token. */
async function obtainCheckedToken(settings: Settings, deps: AssumeRoleDeps): Promise<{ token: Token; rules: RuleResult[] }> {
  const token = await obtainToken(settings, deps);
  const rules = checkClaimRules(settings.rules, token.verified.claims);
  const failed = rules.find((result) => !result.held);
  if (failed) throw ruleFailure(failed, rules);
  if (rules.length > 0) deps.log.info(`All ${rules.length} claim rule(s) hold.`);
  return { token, rules };
}

async function obtainToken(settings: Settings, deps: AssumeRoleDeps): Promise<Token> {
  deps.log.info(deps.tokenOrigin === undefined ? `Requesting an OIDC token for audience ${settings.audience}.` : `Reading the OIDC token from ${deps.tokenOrigin}.`);
  const requested = deps.requestToken(settings.audience);
  deps.prepare();
  const raw = await requested;
  deps.mask(raw);
  deps.log.debug(`Received an OIDC token (${raw.length} characters); verifying it against ${settings.issuer}.`);
  const verified = await deps.verifyToken(raw);
  deps.log.info(`Verified the token (${verified.algorithm}, issuer ${settings.issuer}, expires ${verified.expiresAt.toISOString()}): sub ${verified.claims.sub === undefined ? 'absent' : inertJson(JSON.stringify(verified.claims.sub))}.`);
  return { raw, verified };
}

interface StsCallPlan {
  /** Gets a fresh token when STS says the token expired; absent where no token is sent. */
  readonly refreshToken?: () => Promise<void>;
  readonly explain: (failure: StsFailure) => ClaimcheckError;
}

/** One STS call with classified retries: transient faults retried, the rest explained. */
async function withStsRetries(settings: Settings, deps: AssumeRoleDeps, call: () => Promise<StsSession>, plan: StsCallPlan): Promise<StsSession> {
  let keyFetchFailures = 0;
  let refreshNeeded = false;
  let refreshed = false;
  const decide = (error: unknown) => {
    if (!(error instanceof StsCallFailed)) return 'stop';
    switch (classifyStsFailure(error.failure)) {
      case 'transient':
        return 'retry';
      case 'key-fetch':
        return ++keyFetchFailures <= KEY_FETCH_RETRIES ? 'retry' : 'stop';
      case 'expired-token':
        refreshNeeded = plan.refreshToken !== undefined && !refreshed;
        return refreshNeeded ? 'retry' : 'stop';
      case 'permanent':
        return 'stop';
    }
  };
  const attempt = async () => {
    if (refreshNeeded && plan.refreshToken) {
      [refreshNeeded, refreshed] = [false, true];
      await plan.refreshToken();
    }
    return call();
  };
  try {
    return await withRetries(attempt, {
      policy: stsRetryPolicy(settings),
      clock: deps.clock,
      decide,
      onRetry: (error, attempt, delay) => deps.log.info(`STS attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms.`),
    });
  } catch (error) {
    if (error instanceof RetriesExhausted && error.last instanceof StsCallFailed) {
      throw explainStsExhausted(error.last.failure, error.attempts, error.elapsedMs, deps.sts.endpoint);
    }
    if (error instanceof StsCallFailed) throw plan.explain(error.failure);
    throw error;
  }
}

function webIdentitySession(settings: Settings, target: RoleTarget, deps: AssumeRoleDeps, sessionName: string, current: () => Token, refreshToken: () => Promise<void>): Promise<StsSession> {
  const call = () =>
    deps.sts.assumeRoleWithWebIdentity({
      roleArn: target.roleArn.arn,
      sessionName,
      token: current().raw,
      durationSeconds: target.durationSeconds,
      inlineSessionPolicy: target.inlineSessionPolicy,
      managedSessionPolicies: settings.managedSessionPolicies,
    });
  const { issuer, audience } = settings;
  return withStsRetries(settings, deps, call, {
    refreshToken,
    explain: (failure) => explainStsFailure(failure, { roleArn: target.roleArn, issuer, audience, claims: current().verified.claims, endpoint: deps.sts.endpoint }),
  });
}

/** Role chaining: each further role assumed with the previous session's credentials. */
async function chainRoles(settings: Settings, target: RoleTarget, deps: AssumeRoleDeps, sessionName: string, first: StsSession): Promise<StsSession> {
  let session = first;
  for (const role of settings.roleChain) {
    const from = session;
    deps.log.info(`Chaining: assuming ${role.arn} with the session ${from.assumedRoleArn}.`);
    const call = () => deps.sts.assumeRole({ roleArn: role.arn, sessionName, durationSeconds: Math.min(target.durationSeconds, CHAINED_SESSION_LIMIT), from });
    session = await withStsRetries(settings, deps, call, { explain: (failure) => explainChainFailure(failure, role, from.assumedRoleArn) });
    maskSession(deps, session);
  }
  return session;
}

function maskSession(deps: AssumeRoleDeps, session: StsSession): void {
  deps.mask(session.accessKeyId);
  deps.mask(session.secretAccessKey);
  deps.mask(session.sessionToken);
}
