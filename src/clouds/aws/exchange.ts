// AWS's exchange: the role for this token (role-to-assume, or the role map's choice), then
// AssumeRoleWithWebIdentity with classified retries, then each hop of a role chain with the
// previous session's credentials, then the account checks. It exports nothing: the session
// hands itself over (hand-over.ts) only when every cloud of the step has succeeded.
import { accountOfAssumedRole } from '../../core/aws/arn.js';
import { ChainSyntaxError } from '../../core/aws/chain.js';
import { planChain, type ChainPlan, type PlannedHop } from '../../core/aws/chain-plan.js';
import { awsFacts } from '../../core/aws/report.js';
import { chooseRole, type RoleTarget } from '../../core/aws/role-map.js';
import { assertAccountAllowed, chainRoles, type AwsSettings } from '../../core/aws/settings.js';
import { classifyStsFailure, explainChainFailure, explainStsExhausted, explainStsFailure, type StsFailure } from '../../core/aws/sts-failure.js';
import type { Settings } from '../../core/config/settings.js';
import { ClaimcheckError } from '../../core/errors.js';
import { RetriesExhausted, withRetries, type RetryPolicy } from '../../core/retry.js';
import type { CheckedToken, ExchangeContext, TokenSupply } from '../../flow/cloud.js';
import { StsCallFailed, type RunLabel, type Sts, type StsSession } from './sts.js';

/** One STS call that made a session: the role, and STS's request ID (CloudTrail's requestID). */
export interface AssumedStep {
  readonly roleArn: string;
  readonly requestId: string | undefined;
}

/** What the exchange made: the session handed over, and how it came about. */
export interface AwsAssumed {
  readonly token: CheckedToken;
  /** The role assumed, and the role map entry that chose it. */
  readonly target: RoleTarget;
  readonly sessionName: string;
  readonly session: StsSession;
  readonly accountId: string;
  /** The web-identity call, then each hop of the chain. */
  readonly steps: readonly AssumedStep[];
  /** The handed-over session's source identity, when it has one. */
  readonly sourceIdentity: string | undefined;
}

/** What the exchange works with: the step's settings, AWS's part of them, and the STS client. */
export interface AwsExchange {
  readonly settings: Settings;
  readonly aws: AwsSettings;
  readonly sts: Sts;
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

/** Fails before any token is requested when a role the step may assume is in an account not allowed. */
export function precheckAccounts(aws: AwsSettings, mask: (secret: string) => void): void {
  const candidates = [...(aws.roleArn ? [aws.roleArn] : aws.roleMap.map((entry) => entry.roleArn)), ...chainRoles(aws.roleChain, aws.roleMap)];
  for (const role of candidates) {
    if (aws.maskAccountId) mask(role.accountId);
    assertAccountAllowed(aws.allowedAccountIds, role.accountId, role === aws.roleArn ? 'role-to-assume' : `The role ${role.arn}`);
  }
}

export async function assumeRole(x: AwsExchange, tokens: TokenSupply, context: ExchangeContext): Promise<AwsAssumed> {
  const { aws, sts } = x;
  const { claims } = tokens.current().verified;
  const target = chooseRole(aws, claims);
  assertChainDuration(target);
  if (target.entry !== undefined) context.log.info(`Role map entry ${target.entry} matches: ${target.roleArn.arn}.`);
  const sessionName = aws.roleSessionName ?? context.naming.sessionName(claims);
  const plan = chainPlan(aws, target, claims, context);
  const run = context.naming.runLabel(claims);
  context.log.info(`Assuming ${target.roleArn.arn} as session ${sessionName} for ${target.durationSeconds} s (STS ${sts.endpoint}).`);
  const first = await webIdentitySession(x, target, context, { sessionName, run }, tokens);
  maskSession(context, first);
  const steps: AssumedStep[] = [{ roleArn: target.roleArn.arn, requestId: first.requestId }];
  const session = await assumeChain(x, target, context, { sessionName, run, plan, first, steps });

  const accountId = accountOfAssumedRole(session.assumedRoleArn) ?? target.roleArn.accountId;
  if (aws.maskAccountId) context.mask(accountId);
  assertAccountAllowed(aws.allowedAccountIds, accountId, 'The assumed role');
  context.log.info(`Assumed ${session.assumedRoleArn}; the credentials expire at ${session.expiration.toISOString()}.`);
  return { token: tokens.current(), target, sessionName, session, accountId, steps, sourceIdentity: session.sourceIdentity };
}

/** The summary's and the audit line's facts of an exchange. */
export function assumedFacts(aws: AwsSettings, assumed: AwsAssumed): ReturnType<typeof awsFacts> {
  return awsFacts({
    roleArn: assumed.target.roleArn.arn,
    roleEntry: assumed.target.entry,
    roleChain: assumed.target.chain.map((hop) => hop.roleArn.arn),
    assumedRoleArn: assumed.session.assumedRoleArn,
    accountId: assumed.accountId,
    sessionName: assumed.sessionName,
    region: aws.region,
    expiration: assumed.session.expiration,
    sourceIdentity: assumed.sourceIdentity,
    stsRequests: assumed.steps.map((step) => ({ role: step.roleArn, requestId: step.requestId })),
  });
}

/** The chain's calls for this token, filled in before any call so that a missing claim stops nothing half-way. */
function chainPlan(aws: AwsSettings, target: RoleTarget, claims: Readonly<Record<string, unknown>>, context: ExchangeContext): ChainPlan {
  const handedOver = { inlineSessionPolicy: target.inlineSessionPolicy, managedSessionPolicies: aws.managedSessionPolicies };
  try {
    return planChain(target.chain, handedOver, claims, context.naming.sessionName(claims));
  } catch (error) {
    if (!(error instanceof ChainSyntaxError)) throw error;
    const source = target.entry === undefined || aws.roleMap.find((entry) => entry.name === target.entry)?.chain === undefined ? 'input role-chain' : `role map entry ${target.entry}`;
    throw new ClaimcheckError('INPUT_INVALID', `The role chain (${source}), ${error.message}.`, 'Name claims every token of this job has (claimcheck explain lists a token\'s claims), or write the value out.');
  }
}

interface StsCallPlan {
  /** Gets a fresh token when STS says the token expired; absent where no token is sent. */
  readonly refreshToken?: () => Promise<void>;
  readonly explain: (failure: StsFailure) => ClaimcheckError;
}

/** One STS call with classified retries: transient faults retried, the rest explained. */
async function withStsRetries(x: AwsExchange, context: ExchangeContext, call: () => Promise<StsSession>, plan: StsCallPlan): Promise<StsSession> {
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
      policy: stsRetryPolicy(x.settings),
      clock: context.clock,
      decide,
      onRetry: (error, attempt, delay) => context.log.info(`STS attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms.`),
    });
  } catch (error) {
    if (error instanceof RetriesExhausted && error.last instanceof StsCallFailed) {
      throw explainStsExhausted(error.last.failure, error.attempts, error.elapsedMs, x.sts.endpoint);
    }
    if (error instanceof StsCallFailed) throw plan.explain(error.failure);
    throw error;
  }
}

interface CallContext {
  readonly sessionName: string;
  readonly run: RunLabel;
}

function webIdentitySession(x: AwsExchange, target: RoleTarget, context: ExchangeContext, call: CallContext, tokens: TokenSupply): Promise<StsSession> {
  // With a chain, the policies narrow the session handed over: narrowing this one could deny the next AssumeRole.
  const chained = target.chain.length > 0;
  const request = () =>
    x.sts.assumeRoleWithWebIdentity({
      roleArn: target.roleArn.arn,
      sessionName: call.sessionName,
      token: tokens.current().raw,
      durationSeconds: target.durationSeconds,
      inlineSessionPolicy: chained ? undefined : target.inlineSessionPolicy,
      managedSessionPolicies: chained ? [] : x.aws.managedSessionPolicies,
      run: call.run,
    });
  const { issuer } = x.settings;
  const { audience } = x.aws;
  return withStsRetries(x, context, request, {
    refreshToken: async () => {
      await tokens.renew();
    },
    explain: (failure) => explainStsFailure(failure, { roleArn: target.roleArn, issuer, audience, claims: tokens.current().verified.claims, endpoint: x.sts.endpoint }),
  });
}

interface ChainContext extends CallContext {
  readonly plan: ChainPlan;
  readonly first: StsSession;
  /** Each hop's step is added as its session arrives. */
  readonly steps: AssumedStep[];
}

/** Role chaining: each further role assumed with the previous session's credentials. */
async function assumeChain(x: AwsExchange, target: RoleTarget, deps: ExchangeContext, context: ChainContext): Promise<StsSession> {
  const setHere = sourceIdentityToSet(context.plan, context.first);
  let session = context.first;
  let inheritsTags = false;
  for (const [index, hop] of context.plan.hops.entries()) {
    const from = session;
    const sourceIdentity = index === 0 ? setHere : undefined;
    deps.log.info(`Chaining: assuming ${hop.roleArn.arn} with the session ${from.assumedRoleArn}${hopDetails(hop, sourceIdentity)}.`);
    const call = () =>
      x.sts.assumeRole({
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
    session = await withStsRetries(x, deps, call, { explain: (failure) => explainChainFailure(failure, hop.roleArn, from.assumedRoleArn, sent) });
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

function maskSession(deps: ExchangeContext, session: StsSession): void {
  deps.mask(session.accessKeyId);
  deps.mask(session.secretAccessKey);
  deps.mask(session.sessionToken);
}
