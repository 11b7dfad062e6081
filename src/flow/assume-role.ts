// The whole exchange, independent of any CI platform: token → verified claims → rules →
// AssumeRoleWithWebIdentity → checked session. It exports nothing: the caller publishes
// the result only when every step has succeeded, so a failure never leaves a partial export.
import { accountOfAssumedRole } from '../core/aws/arn.js';
import { ChainSyntaxError, planChain, type ChainPlan, type PlannedHop } from '../core/aws/chain.js';
import { RetriesExhausted, withRetries, type Clock, type RetryPolicy } from '../core/retry.js';
import { chooseRole, type RoleTarget } from '../core/rules/role-map.js';
import { checkClaimRules, ruleFailure, type RuleResult } from '../core/rules/rules.js';
import { assertAccountAllowed, chainRoles, type Settings } from '../core/config/settings.js';
import { ClaimcheckError } from '../core/errors.js';
import { inertJson } from '../core/text/inert-text.js';
import { classifyStsFailure, explainChainFailure, explainStsExhausted, explainStsFailure, type StsFailure } from '../core/aws/sts-failure.js';
import { StsCallFailed, type RunLabel, type Sts, type StsSession } from '../clouds/aws/sts.js';
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
  /** The session name to use when the role-session-name input is empty; also a chain's default source identity. */
  readonly defaultSessionName: (claims: Readonly<Record<string, unknown>>) => string;
  /** The CI run, for the User-Agent of every STS call; none when absent. */
  readonly runLabel?: (claims: Readonly<Record<string, unknown>>) => RunLabel;
}

/** One STS call that made a session: the role, and STS's request ID (CloudTrail's requestID). */
export interface AssumedStep {
  readonly roleArn: string;
  readonly requestId: string | undefined;
}

export interface Assumed {
  readonly token: VerifiedToken;
  /** The role assumed, and the role map entry that chose it. */
  readonly target: RoleTarget;
  readonly rules: readonly RuleResult[];
  readonly sessionName: string;
  readonly session: StsSession;
  readonly accountId: string;
  /** The web-identity call, then each hop of the chain. */
  readonly steps: readonly AssumedStep[];
  /** The handed-over session's source identity, when it has one. */
  readonly sourceIdentity: string | undefined;
}

interface Token {
  readonly raw: string;
  readonly verified: VerifiedToken;
}

/** AWS caps sessions made by role chaining at one hour. */
const CHAINED_SESSION_LIMIT = 3600;

/** Key-fetch failures at STS are retried only this often: they rarely pass. */
const KEY_FETCH_RETRIES = 2;

function assertChainDuration(target: RoleTarget): void {
  if (target.chain.length === 0 || target.durationSeconds <= CHAINED_SESSION_LIMIT) return;
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
  const candidates = [...(settings.roleArn ? [settings.roleArn] : settings.roleMap.map((entry) => entry.roleArn)), ...chainRoles(settings.roleChain, settings.roleMap)];
  for (const role of candidates) {
    if (settings.maskAccountId) deps.mask(role.accountId);
    assertAccountAllowed(settings.allowedAccountIds, role.accountId, role === settings.roleArn ? 'role-to-assume' : `The role ${role.arn}`);
  }
  for (const warning of settings.warnings) deps.log.warning(warning);

  let { token, rules } = await obtainCheckedToken(settings, deps);
  const { claims } = token.verified;
  const target = chooseRole(settings, claims);
  assertChainDuration(target);
  if (target.entry !== undefined) deps.log.info(`Role map entry ${target.entry} matches: ${target.roleArn.arn}.`);
  const sessionName = settings.roleSessionName ?? deps.defaultSessionName(claims);
  const plan = chainPlan(settings, target, claims, deps);
  const run = deps.runLabel?.(claims) ?? [];
  deps.log.info(`Assuming ${target.roleArn.arn} as session ${sessionName} for ${target.durationSeconds} s (STS ${deps.sts.endpoint}).`);
  const first = await webIdentitySession(settings, target, deps, { sessionName, run }, () => token, async () => {
    ({ token, rules } = await obtainCheckedToken(settings, deps));
  });
  maskSession(deps, first);
  const steps: AssumedStep[] = [{ roleArn: target.roleArn.arn, requestId: first.requestId }];
  const session = await assumeChain(settings, target, deps, { sessionName, run, plan, first, steps });

  const accountId = accountOfAssumedRole(session.assumedRoleArn) ?? target.roleArn.accountId;
  if (settings.maskAccountId) deps.mask(accountId);
  assertAccountAllowed(settings.allowedAccountIds, accountId, 'The assumed role');
  return { token: token.verified, target, rules: [...rules, ...target.rules], sessionName, session, accountId, steps, sourceIdentity: session.sourceIdentity };
}

/** The chain's calls for this token, filled in before any call so that a missing claim stops nothing half-way. */
function chainPlan(settings: Settings, target: RoleTarget, claims: Readonly<Record<string, unknown>>, deps: AssumeRoleDeps): ChainPlan {
  const handedOver = { inlineSessionPolicy: target.inlineSessionPolicy, managedSessionPolicies: settings.managedSessionPolicies };
  try {
    return planChain(target.chain, handedOver, claims, deps.defaultSessionName(claims));
  } catch (error) {
    if (!(error instanceof ChainSyntaxError)) throw error;
    const source = target.entry === undefined || settings.roleMap.find((entry) => entry.name === target.entry)?.chain === undefined ? 'input role-chain' : `role map entry ${target.entry}`;
    throw new ClaimcheckError('INPUT_INVALID', `The role chain (${source}), ${error.message}.`, 'Name claims every token of this job has (claimcheck explain lists a token\'s claims), or write the value out.');
  }
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

interface CallContext {
  readonly sessionName: string;
  readonly run: RunLabel;
}

function webIdentitySession(settings: Settings, target: RoleTarget, deps: AssumeRoleDeps, context: CallContext, current: () => Token, refreshToken: () => Promise<void>): Promise<StsSession> {
  // With a chain, the policies narrow the session handed over: narrowing this one could deny the next AssumeRole.
  const chained = target.chain.length > 0;
  const call = () =>
    deps.sts.assumeRoleWithWebIdentity({
      roleArn: target.roleArn.arn,
      sessionName: context.sessionName,
      token: current().raw,
      durationSeconds: target.durationSeconds,
      inlineSessionPolicy: chained ? undefined : target.inlineSessionPolicy,
      managedSessionPolicies: chained ? [] : settings.managedSessionPolicies,
      run: context.run,
    });
  const { issuer, audience } = settings;
  return withStsRetries(settings, deps, call, {
    refreshToken,
    explain: (failure) => explainStsFailure(failure, { roleArn: target.roleArn, issuer, audience, claims: current().verified.claims, endpoint: deps.sts.endpoint }),
  });
}

interface ChainContext extends CallContext {
  readonly plan: ChainPlan;
  readonly first: StsSession;
  /** Each hop's step is added as its session arrives. */
  readonly steps: AssumedStep[];
}

/** Role chaining: each further role assumed with the previous session's credentials. */
async function assumeChain(settings: Settings, target: RoleTarget, deps: AssumeRoleDeps, context: ChainContext): Promise<StsSession> {
  const setHere = sourceIdentityToSet(context.plan, context.first);
  let session = context.first;
  let inheritsTags = false;
  for (const [index, hop] of context.plan.hops.entries()) {
    const from = session;
    const sourceIdentity = index === 0 ? setHere : undefined;
    deps.log.info(`Chaining: assuming ${hop.roleArn.arn} with the session ${from.assumedRoleArn}${hopDetails(hop, sourceIdentity)}.`);
    const call = () =>
      deps.sts.assumeRole({
        roleArn: hop.roleArn.arn,
        sessionName: context.sessionName,
        durationSeconds: Math.min(target.durationSeconds, CHAINED_SESSION_LIMIT),
        from,
        externalId: hop.externalId,
        tags: hop.tags,
        transitiveTagKeys: hop.transitiveTagKeys,
        sourceIdentity,
        inlineSessionPolicy: hop.inlineSessionPolicy,
        managedSessionPolicies: hop.managedSessionPolicies,
        run: context.run,
      });
    const chainIdentity = from.sourceIdentity ?? sourceIdentity;
    const sent = {
      tagKeys: hop.tags.map((tag) => tag.key),
      inheritsTags,
      sourceIdentity: chainIdentity === undefined ? undefined : { value: chainIdentity, setHere: sourceIdentity !== undefined },
      externalId: hop.externalId !== undefined,
    };
    session = await withStsRetries(settings, deps, call, { explain: (failure) => explainChainFailure(failure, hop.roleArn, from.assumedRoleArn, sent) });
    maskSession(deps, session);
    context.steps.push({ roleArn: hop.roleArn.arn, requestId: session.requestId });
    inheritsTags ||= hop.transitiveTagKeys.length > 0;
  }
  return session;
}

/**
 * The source identity the first AssumeRole sends. A session that has one already (from the
 * token's https://aws.amazon.com/source_identity claim) keeps it: AWS refuses to change it.
 */
function sourceIdentityToSet(plan: ChainPlan, first: StsSession): string | undefined {
  const wanted = plan.sourceIdentity;
  if (wanted === undefined || first.sourceIdentity === undefined) return wanted?.value;
  if (wanted.declared && wanted.value !== first.sourceIdentity) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `The role chain's source-identity is ${wanted.value}, but the token already set the session's source identity to ${first.sourceIdentity}, which AWS does not let a chain change.`,
      'Remove source-identity from the first hop (the token\'s source identity is kept), or write source-identity=none.',
    );
  }
  return undefined;
}

/** What a hop sends besides the role, for the log: names and keys, never the values. */
function hopDetails(hop: PlannedHop, sourceIdentity: string | undefined): string {
  const parts = [
    ...(hop.externalId === undefined ? [] : ['an external ID']),
    ...(hop.tags.length === 0 ? [] : [`session tags ${hop.tags.map((tag) => tag.key).join(', ')}${hop.transitiveTagKeys.length === 0 ? '' : ` (transitive: ${hop.transitiveTagKeys.join(', ')})`}`]),
    ...(sourceIdentity === undefined ? [] : [`source identity ${sourceIdentity}`]),
    ...(hop.inlineSessionPolicy === undefined && hop.managedSessionPolicies.length === 0 ? [] : ['session policies']),
  ];
  return parts.length === 0 ? '' : `, sending ${parts.join(', ')}`;
}

function maskSession(deps: AssumeRoleDeps, session: StsSession): void {
  deps.mask(session.accessKeyId);
  deps.mask(session.secretAccessKey);
  deps.mask(session.sessionToken);
}
