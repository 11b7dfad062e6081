// What an AssumeRole call may add to a session besides the role, for the STS double: session
// tags and transitive tag keys, an external ID, a source identity, session policies. Read
// and checked as STS documents them (AssumeRole API reference; IAM User Guide, "Pass session
// tags in AWS STS" and "Monitor and control actions taken with assumed roles"):
// - tags need the permission-only action sts:TagSession in the role's trust policy, and so do
//   transitive tags a calling session passes on (they tag the new session too);
// - a tag with the key of an inherited transitive tag fails the call; keys ignore case;
// - a source identity needs sts:SetSourceIdentity in the trust policy, also when it is carried
//   on from the calling session; once set it cannot change;
// - sts:ExternalId, sts:SourceIdentity, aws:SourceIdentity, aws:RequestTag/<key>, aws:TagKeys,
//   sts:TransitiveTagKeys and aws:PrincipalTag/<key> are in the request context.
// Where AWS documents that a call fails but not its exact words, the messages are the double's.
import type { ContextValues } from './trust-policy.ts';

export interface SessionTag {
  key: string;
  value: string;
}

/** What a session carries that the next AssumeRole in a chain inherits or is checked against. */
export interface SessionAttributes {
  /** Session tags: set on this session, and transitive ones inherited. */
  tags: SessionTag[];
  /** Keys (as written) that pass to the next session in a chain. */
  transitiveTagKeys: string[];
  sourceIdentity?: string;
}

/** The optional parameters of one AssumeRole call, as received. */
export interface AssumeRoleExtras {
  tags: SessionTag[];
  transitiveTagKeys: string[];
  externalId?: string;
  sourceIdentity?: string;
  policy?: string;
  policyArns: string[];
}

const TAG_KEY = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
const TAG_VALUE = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*';
const EXTERNAL_ID = '[\\w+=,.@:\\/-]*';
const SOURCE_IDENTITY = '[\\w+=,.@-]*';

type Check = (problems: string[], field: string, value: string | undefined, min: number, max: number, pattern?: string) => void;

/** Query lists: `Name.member.1`, `Name.member.2`, … (`Name=` alone is an empty list). */
function members(params: Record<string, string>, name: string, suffix = ''): string[] {
  const values: string[] = [];
  for (let index = 1; params[`${name}.member.${index}${suffix}`] !== undefined; index++) values.push(params[`${name}.member.${index}${suffix}`] ?? '');
  return values;
}

/** The call's optional parameters; each violation of STS's constraints is added to `problems`. */
export function readAssumeRoleExtras(params: Record<string, string>, problems: string[], check: Check): AssumeRoleExtras {
  const keys = members(params, 'Tags', '.Key');
  const values = members(params, 'Tags', '.Value');
  if (keys.length > 50) problems.push(`Value '[${keys.join(', ')}]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
  const tags = keys.map((key, index) => {
    check(problems, `tags.${index + 1}.member.key`, key, 1, 128, TAG_KEY);
    check(problems, `tags.${index + 1}.member.value`, values[index], 0, 256, TAG_VALUE);
    return { key, value: values[index] ?? '' };
  });
  const transitiveTagKeys = members(params, 'TransitiveTagKeys');
  if (transitiveTagKeys.length > 50) problems.push(`Value '[${transitiveTagKeys.join(', ')}]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50`);
  transitiveTagKeys.forEach((key, index) => check(problems, `transitiveTagKeys.${index + 1}.member`, key, 1, 128, TAG_KEY));
  if (params.ExternalId !== undefined) check(problems, 'externalId', params.ExternalId, 2, 1224, EXTERNAL_ID);
  if (params.SourceIdentity !== undefined) check(problems, 'sourceIdentity', params.SourceIdentity, 2, 64, SOURCE_IDENTITY);
  return {
    tags,
    transitiveTagKeys,
    ...(params.ExternalId === undefined ? {} : { externalId: params.ExternalId }),
    ...(params.SourceIdentity === undefined ? {} : { sourceIdentity: params.SourceIdentity }),
    ...(params.Policy === undefined ? {} : { policy: params.Policy }),
    policyArns: members(params, 'PolicyArns', '.arn'),
  };
}

/** A refusal: the caller turns it into an STS error reply. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/**
 * The new session's attributes, from the caller's and the call's; a refusal when the call
 * breaks a rule of tags or source identity that does not depend on any policy.
 */
export function chainedAttributes(caller: SessionAttributes, extras: AssumeRoleExtras): SessionAttributes | Refusal {
  const lower = (key: string) => key.toLowerCase();
  const requested = extras.tags.map((tag) => lower(tag.key));
  if (requested.some((key, index) => requested.indexOf(key) !== index)) {
    return { status: 400, code: 'InvalidParameterValue', message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.' };
  }
  const missing = extras.transitiveTagKeys.find((key) => !requested.includes(lower(key)));
  if (missing !== undefined) return { status: 400, code: 'InvalidParameterValue', message: `The transitive tag key ${missing} is not among the session tags passed.` };
  const inherited = caller.tags.filter((tag) => caller.transitiveTagKeys.some((key) => lower(key) === lower(tag.key)));
  const clash = extras.tags.find((tag) => inherited.some((old) => lower(old.key) === lower(tag.key)));
  if (clash !== undefined) return { status: 400, code: 'InvalidParameterValue', message: `The session tag ${clash.key} has the key of a transitive tag the calling session passes on.` };
  if (caller.sourceIdentity !== undefined && extras.sourceIdentity !== undefined && extras.sourceIdentity !== caller.sourceIdentity) {
    return { status: 403, code: 'AccessDenied', message: `The source identity of a session cannot change: it is already ${caller.sourceIdentity}.` };
  }
  const sourceIdentity = caller.sourceIdentity ?? extras.sourceIdentity;
  return {
    tags: [...inherited, ...extras.tags],
    transitiveTagKeys: [...caller.transitiveTagKeys.filter((key) => inherited.some((tag) => lower(tag.key) === lower(key))), ...extras.transitiveTagKeys],
    ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
  };
}

/** The condition keys of a chained AssumeRole that come from tags, the external ID and the source identity. */
export function attributeContext(caller: SessionAttributes, extras: AssumeRoleExtras, next: SessionAttributes): Record<string, ContextValues> {
  const context: Record<string, ContextValues> = {};
  for (const tag of caller.tags) context[`aws:PrincipalTag/${tag.key}`] = tag.value;
  for (const tag of extras.tags) context[`aws:RequestTag/${tag.key}`] = tag.value;
  if (extras.tags.length > 0) context['aws:TagKeys'] = extras.tags.map((tag) => tag.key);
  if (extras.transitiveTagKeys.length > 0) context['sts:TransitiveTagKeys'] = extras.transitiveTagKeys;
  if (extras.externalId !== undefined) context['sts:ExternalId'] = extras.externalId;
  if (next.sourceIdentity !== undefined) context['sts:SourceIdentity'] = next.sourceIdentity;
  if (caller.sourceIdentity !== undefined) context['aws:SourceIdentity'] = caller.sourceIdentity;
  return context;
}

/** The permission-only actions the trust policy must also allow for this call, in the order STS checks them. */
export function extraActions(next: SessionAttributes): string[] {
  return [...(next.tags.length > 0 ? ['sts:TagSession'] : []), ...(next.sourceIdentity === undefined ? [] : ['sts:SetSourceIdentity'])];
}
