// What an STS failure means: whether time may fix it, and, when not, the error a user
// reads, with the claims presented and the fix.
import { roleOfAssumedRole, type RoleArn } from './arn.js';
import { ClaimcheckError } from '../errors.js';
import { describeClaim } from '../rules/rules.js';
import { conditionKeyFor, issuerKeys } from '../trust/aws/iam/keys.js';
import { githubSubjectKind, otherSubjectForm } from '../trust/aws/platforms/github.js';
import { oidcProviderArn, tokenTrustCondition } from '../trust/aws/token-policy.js';

export interface StsFailure {
  /** AWS error code (AccessDenied, Throttling, …) or a network error code (ECONNRESET, TimeoutError). */
  readonly code: string;
  readonly message: string;
  /** HTTP status, when a response arrived. */
  readonly status: number | undefined;
  readonly requestId: string | undefined;
}

export type StsFailureKind = 'transient' | 'key-fetch' | 'expired-token' | 'permanent';

const TRANSIENT_CODES = new Set([
  'IDPCommunicationError',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'TimeoutError', 'AbortError', 'NetworkError']);

export function classifyStsFailure(failure: StsFailure): StsFailureKind {
  if (failure.code === 'ExpiredTokenException') return 'expired-token';
  if (failure.code === 'InvalidIdentityToken' && /retrieve verification key|couldn't retrieve/i.test(failure.message)) {
    return 'key-fetch';
  }
  if (TRANSIENT_CODES.has(failure.code) || NETWORK_CODES.has(failure.code)) return 'transient';
  if ((failure.status ?? 0) >= 500) return 'transient';
  // A response we could not parse (HTML from a proxy, a cut-off body) is a fault on the way.
  if (failure.status === undefined && failure.code === 'Deserialization') return 'transient';
  return 'permanent';
}

export interface StsFailureContext {
  readonly roleArn: RoleArn;
  readonly issuer: string;
  readonly audience: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
}

const PRESENTED_CLAIMS = ['sub', 'aud', 'iss', 'repository', 'ref', 'environment', 'job_workflow_ref', 'oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-ref'];

/** `sub="…", aud="…", …` for the claims that trust policies match on, as the token presented them. */
export function presentedClaims(claims: Readonly<Record<string, unknown>>): string {
  return PRESENTED_CLAIMS.filter((name) => claims[name] !== undefined)
    .map((name) => `${name}=${JSON.stringify(describeClaim(claims[name]))}`)
    .join(', ');
}

function awsDetail(failure: StsFailure): string {
  const id = failure.requestId ? `, request ID ${failure.requestId}` : '';
  return `(${failure.code}: ${failure.message}${id})`;
}

export function explainStsFailure(failure: StsFailure, context: StsFailureContext): ClaimcheckError {
  const { roleArn } = context;
  const subject = typeof context.claims.sub === 'string' ? context.claims.sub : '';
  switch (failure.code) {
    case 'AccessDenied': {
      const provider = oidcProviderArn(roleArn.partition, roleArn.accountId, context.issuer);
      return new ClaimcheckError(
        'STS_ACCESS_DENIED',
        `STS refused to let this token assume ${roleArn.arn}: the role's trust policy does not accept the claims presented (${presentedClaims(context.claims)}) ${awsDetail(failure)}.`,
        `Check that the role exists and that its trust policy allows "Federated": "${provider}" with ${acceptingCondition(context.issuer, context.audience, context.claims, subject)}. To see which condition refuses it, save aws iam get-role --role-name ${roleArn.name} to a file and run claimcheck explain --trust-policy <file> on this job's token.`,
      );
    }
    case 'InvalidIdentityToken':
    case 'IDPRejectedClaim':
      return tokenRejected(failure, context);
    case 'ExpiredTokenException':
      return new ClaimcheckError('STS_TOKEN_REJECTED', `STS says the token has expired ${awsDetail(failure)}, even after a fresh token was requested.`, "Check the runner's clock: STS compares the token's exp with AWS time.");
    case 'RegionDisabledException':
      return new ClaimcheckError('STS_REGION_DISABLED', `STS is not activated in this region for account ${roleArn.accountId} ${awsDetail(failure)}.`, 'Activate the region under IAM > Account settings > Security Token Service, or choose another aws-region.');
    case 'MalformedPolicyDocument':
    case 'PackedPolicyTooLarge':
      return new ClaimcheckError('STS_INVALID_REQUEST', `STS rejected the session policy ${awsDetail(failure)}.`, 'Fix inline-session-policy or managed-session-policies: valid IAM policy JSON, at most 2048 characters, at most 10 managed policies.');
    case 'ValidationError':
      return validationError(failure);
    default:
      return new ClaimcheckError('STS_INVALID_REQUEST', `STS refused AssumeRoleWithWebIdentity for ${roleArn.arn} ${awsDetail(failure)}.`, 'The AWS message above names the problem; see the STS AssumeRoleWithWebIdentity documentation for its error codes.');
  }
}

/**
 * The condition to suggest: the jobs this token stands for, pinned by ids on AWS's provider
 * keys where the token carries them, never by a value new in every run (tokenTrustCondition).
 */
function acceptingCondition(issuer: string, audience: string, claims: Readonly<Record<string, unknown>>, subject: string): string {
  const keys = issuerKeys(issuer);
  const { condition, bySubject } = tokenTrustCondition(issuer, audience, claims, (claim) => conditionKeyFor(keys, claim));
  const text = `the condition ${JSON.stringify(condition)}`;
  if (bySubject) return `${text} (or a StringLike pattern that covers it)`;
  const other = keys.family === 'github' && githubSubjectKind(subject) === 'immutable' ? otherSubjectForm(subject, claims) : undefined;
  if (other) {
    return `${text}, which AWS evaluates on the token's own claims. This repository has GitHub's immutable subject ${JSON.stringify(subject)}: a policy on the legacy form ${JSON.stringify(other)} does not match it; trust both forms or pin the ids as above`;
  }
  return `${text}, which AWS evaluates on the token's own claims`;
}

function tokenRejected(failure: StsFailure, context: StsFailureContext): ClaimcheckError {
  const provider = oidcProviderArn(context.roleArn.partition, context.roleArn.accountId, context.issuer);
  let hint = `Check the IAM OIDC provider ${provider}: it must exist and list "${context.audience}" as a client ID (audience).`;
  if (/audience/i.test(failure.message)) hint = `Add "${context.audience}" as a client ID (audience) of the IAM OIDC provider ${provider}, or set audience to one it lists.`;
  if (/provider found/i.test(failure.message)) hint = `Create an IAM OIDC provider for ${context.issuer} with client ID "${context.audience}" in account ${context.roleArn.accountId}.`;
  return new ClaimcheckError('STS_TOKEN_REJECTED', `STS rejected the OIDC token ${awsDetail(failure)}.`, hint);
}

function validationError(failure: StsFailure): ClaimcheckError {
  let hint = 'The AWS message names the parameter at fault.';
  if (/MaxSessionDuration/i.test(failure.message)) hint = "Lower role-duration-seconds to at most the role's maximum session duration, or raise that maximum in IAM.";
  else if (/roleSessionName/i.test(failure.message)) hint = 'Set role-session-name to 2 to 64 characters of letters, digits and + = , . @ _ -.';
  return new ClaimcheckError('STS_INVALID_REQUEST', `STS rejected the request ${awsDetail(failure)}.`, hint);
}

export function explainStsExhausted(failure: StsFailure, attempts: number, elapsedMs: number, endpoint: string): ClaimcheckError {
  const seconds = (elapsedMs / 1000).toFixed(1);
  return new ClaimcheckError(
    'STS_UNAVAILABLE',
    `STS at ${endpoint} did not succeed after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${seconds} s; the last failure was ${failure.code}: ${failure.message}.`,
    'This is usually passing (throttling or an AWS outage): re-run the job. If it persists, check the network path to STS, sts-endpoint, and retry-max-attempts.',
  );
}

/** What a chained AssumeRole carried that a trust policy must allow besides sts:AssumeRole. */
export interface ChainHopSent {
  /** Keys of the session tags the hop sets. */
  readonly tagKeys: readonly string[];
  /** Whether the calling session has transitive tags, which AWS passes on (and so tags the new session). */
  readonly inheritsTags: boolean;
  /** The chain's source identity, and whether this hop sets it or carries it on. */
  readonly sourceIdentity: { readonly value: string; readonly setHere: boolean } | undefined;
  readonly externalId: boolean;
}

/** A failed AssumeRole in a role chain. */
export function explainChainFailure(failure: StsFailure, roleArn: RoleArn, callerSessionArn: string, sent: ChainHopSent): ClaimcheckError {
  const caller = roleOfAssumedRole(callerSessionArn) ?? callerSessionArn;
  if (failure.code === 'AccessDenied') return chainAccessDenied(failure, roleArn, callerSessionArn, caller, sent);
  if (failure.code === 'ValidationError' && /chaining|1 hour/i.test(failure.message)) {
    return new ClaimcheckError('STS_INVALID_REQUEST', `STS refused a chained session longer than 1 hour ${awsDetail(failure)}.`, 'Role chaining caps sessions at 3600 s: set role-duration-seconds to at most 3600.');
  }
  if (failure.code === 'MalformedPolicyDocument' || failure.code === 'PackedPolicyTooLarge') {
    return new ClaimcheckError('STS_INVALID_REQUEST', `STS refused the session policies or tags sent to ${roleArn.arn} in the role chain ${awsDetail(failure)}.`, 'Fix the session policies of this hop (valid IAM policy JSON, at most 10 managed policies) or send fewer or shorter session tags: STS packs policies and tags into one limited size.');
  }
  return new ClaimcheckError('STS_INVALID_REQUEST', `STS refused AssumeRole for ${roleArn.arn} in the role chain ${awsDetail(failure)}.`, 'The AWS message names the problem; see the STS AssumeRole documentation for its error codes.');
}

/** AWS names the action it refused: sts:AssumeRole, or the permission-only sts:TagSession / sts:SetSourceIdentity. */
function chainAccessDenied(failure: StsFailure, roleArn: RoleArn, callerSessionArn: string, caller: string, sent: ChainHopSent): ClaimcheckError {
  const named = /not authorized to perform:?\s*(sts:[A-Za-z]+)/i.exec(failure.message);
  const refused = named ? (named[1] as string).toLowerCase() : undefined;
  const both = `The trust policy of ${roleArn.arn} must allow "AWS": "${caller}" (with the role's path, if it has one)`;
  const grant = (action: string) => `and the permissions of ${caller} must allow ${action} on ${roleArn.arn}`;
  if (refused === 'sts:tagsession') {
    const why = sent.tagKeys.length > 0 ? `this hop sets the session tags ${sent.tagKeys.join(', ')}` : 'the calling session has transitive tags, which AWS passes on';
    return new ClaimcheckError(
      'STS_ACCESS_DENIED',
      `STS refused to let ${callerSessionArn} tag its session of ${roleArn.arn} in the role chain: the role's trust policy lacks sts:TagSession (${why}) ${awsDetail(failure)}.`,
      `${both} the action sts:TagSession, not only sts:AssumeRole, ${grant('sts:TagSession')}; or send no tags to this hop (and make none transitive before it).`,
    );
  }
  if (refused === 'sts:setsourceidentity') {
    const why = sent.sourceIdentity?.setHere === false ? `the chain set ${sent.sourceIdentity.value} on an earlier hop, and AWS carries it to every later one` : `this hop sets it to ${sent.sourceIdentity?.value ?? 'a value'}`;
    return new ClaimcheckError(
      'STS_ACCESS_DENIED',
      `STS refused to let ${callerSessionArn} set the source identity of its session of ${roleArn.arn} in the role chain: the role's trust policy lacks sts:SetSourceIdentity (${why}) ${awsDetail(failure)}.`,
      `${both} the action sts:SetSourceIdentity, not only sts:AssumeRole, ${grant('sts:SetSourceIdentity')}; or write source-identity=none on the chain's first hop.`,
    );
  }
  const extra = [
    ...(sent.externalId ? ['its sts:ExternalId condition must match the external-id sent'] : []),
    ...(sent.tagKeys.length > 0 || sent.inheritsTags ? ['it must also allow sts:TagSession (this hop carries session tags)'] : []),
    ...(sent.sourceIdentity ? ['it must also allow sts:SetSourceIdentity (the chain has a source identity)'] : []),
  ];
  return new ClaimcheckError(
    'STS_ACCESS_DENIED',
    `STS refused to let ${callerSessionArn} assume ${roleArn.arn} in the role chain ${awsDetail(failure)}.`,
    `${both} to sts:AssumeRole${extra.length > 0 ? `; ${extra.join('; ')}` : ''}, ${grant('sts:AssumeRole')}.`,
  );
}
