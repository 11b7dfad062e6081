// What an AWS session adds to the step summary and the audit line: the role (and the role map
// entry that chose it), the chain, the session, account, region and expiry, and the request
// ID of every STS call (CloudTrail's requestID).
import type { CloudFacts, FactRow } from '../report/report.js';
import { roleName } from '../report/report.js';

export interface AwsRunFacts {
  readonly roleArn: string;
  /** The role map entry that chose the role, if a map did. */
  readonly roleEntry: string | undefined;
  /** Roles assumed after roleArn by role chaining, in order; the last one's credentials were handed over. */
  readonly roleChain: readonly string[];
  readonly assumedRoleArn: string;
  readonly accountId: string;
  readonly sessionName: string;
  readonly region: string;
  readonly expiration: Date;
  /** The handed-over session's source identity (CloudTrail's sourceIdentity), when it has one. */
  readonly sourceIdentity?: string | undefined;
  /** Each STS call that made a session, in order, with STS's request ID when it gave one. */
  readonly stsRequests?: ReadonlyArray<{ readonly role: string; readonly requestId: string | undefined }>;
}

/** The request IDs STS gave, in call order. */
function requestIds(facts: AwsRunFacts): string[] {
  return facts.stsRequests?.flatMap((call) => (call.requestId === undefined ? [] : [call.requestId])) ?? [];
}

export function awsFacts(facts: AwsRunFacts): CloudFacts {
  const ids = requestIds(facts);
  const rows: FactRow[] = [
    { label: 'Role', values: [facts.roleArn], ...(facts.roleEntry === undefined ? {} : { aside: { text: 'role map entry', value: facts.roleEntry } }) },
    ...(facts.roleChain.length === 0 ? [] : [{ label: 'Role chain', values: facts.roleChain }]),
    { label: 'Session', values: [facts.sessionName] },
    ...(facts.sourceIdentity === undefined ? [] : [{ label: 'Source identity', values: [facts.sourceIdentity] }]),
    { label: 'Account', values: [facts.accountId] },
    { label: 'Region', values: [facts.region] },
    { label: 'Expires', at: facts.expiration },
    ...(ids.length === 0 ? [] : [{ label: 'STS request IDs', values: ids }]),
  ];
  return {
    cloud: 'aws',
    title: 'AWS',
    headline: { verb: 'assumed', name: roleName(facts.roleArn) },
    boundary: "The role's trust policy",
    rows,
    audit: {
      role: facts.roleArn,
      role_map_entry: facts.roleEntry,
      ...(facts.roleChain.length === 0 ? {} : { role_chain: facts.roleChain }),
      assumed_role: facts.assumedRoleArn,
      account: facts.accountId,
      session: facts.sessionName,
      source_identity: facts.sourceIdentity,
      region: facts.region,
      expiration: facts.expiration.toISOString(),
      sts_requests: facts.stsRequests?.map((call) => ({ role: call.role, request_id: call.requestId })),
    },
  };
}
