// `claimcheck audit`: for each role that trusts an OIDC provider, does its trust policy pin
// the issuer's repositories or projects? `open`: a stranger (someone who picks a new name and
// is given new ids) gets in; `names-only`: only names that can be renamed or re-created keep
// strangers out; `pinned`: ids that never change hands do; `cannot-verify`: the answer turns
// on what claimcheck cannot see, or the policy is not one IAM would take. Decided as
// `--check` decides (the same statements, grammar and searches), per provider the role trusts.
import { TooComplex } from '../../lang/nfa.js';
import { OutOfBudget } from './accepted.js';
import type { AccountRole } from './account-roles.js';
import { checkGrantees } from '../iam/grantees.js';
import { issuerKeys } from '../iam/keys.js';
import { readPolicyDocument, type PolicyDocument } from '../iam/policy.js';
import { judgePins, type PinOutcome } from './pin-verdict.js';
import { describeGrantee } from '../iam/principals.js';
import { setUp } from './trust-problem.js';

export type AuditVerdict = PinOutcome;

export interface AuditEntry {
  readonly role: string;
  readonly issuer: string;
  readonly verdict: AuditVerdict;
  readonly reasons: readonly string[];
}

const AUDIENCE = 'sts.amazonaws.com';

/** The OIDC providers an Allow statement of the policy names, as [issuer, provider ARN]. */
export function trustedProviders(policy: PolicyDocument): Array<[string, string]> {
  const found = new Map<string, string>();
  for (const statement of policy.statements) {
    if (statement.effect !== 'Allow') continue;
    const federated = (statement.principal as { Federated?: unknown } | undefined)?.Federated;
    for (const value of Array.isArray(federated) ? federated : [federated]) {
      const host = typeof value === 'string' ? /^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(value)?.[1] : undefined;
      if (host !== undefined && !found.has(host)) found.set(host, value as string);
    }
  }
  return [...found].map(([host, arn]) => [`https://${host}`, arn]);
}

function auditProvider(role: AccountRole, policy: PolicyDocument, issuer: string, arn: string): AuditEntry {
  const keys = issuerKeys(issuer);
  const reasons: string[] = [];
  for (const finding of checkGrantees({ policy, keys, providerArn: arn })) {
    reasons.push(finding.kind === 'grantee' ? `${finding.statement} also lets ${describeGrantee(finding.grantee)} assume the role` : `${finding.about}: ${finding.why.join('; ')}`);
  }
  try {
    const judged = judgePins(setUp({ policy, issuer, keys, audience: AUDIENCE, providerArn: arn }));
    return { role: role.name, issuer, verdict: judged.verdict, reasons: [...judged.reasons, ...reasons] };
  } catch (error) {
    if (!(error instanceof OutOfBudget || error instanceof TooComplex)) throw error;
    return { role: role.name, issuer, verdict: 'cannot-verify', reasons: ['its statements need more searches than claimcheck makes for one role', ...reasons] };
  }
}

/** One entry per OIDC provider the role trusts; none for a role that trusts none. */
export function auditRole(role: AccountRole): AuditEntry[] {
  if (role.problem !== undefined) return [{ role: role.name, issuer: '', verdict: 'cannot-verify', reasons: [role.problem] }];
  let policy: PolicyDocument;
  try {
    policy = readPolicyDocument(role.document);
  } catch (error) {
    return [{ role: role.name, issuer: '', verdict: 'cannot-verify', reasons: [`its trust policy cannot be read (${(error as Error).message})`] }];
  }
  const providers = trustedProviders(policy);
  if (providers.length > 0 && policy.problems.length > 0) {
    return providers.map(([issuer]) => ({ role: role.name, issuer, verdict: 'cannot-verify' as const, reasons: [`the policy is not one IAM would take: ${policy.problems.join('; ')}`] }));
  }
  return providers.map(([issuer, arn]) => auditProvider(role, policy, issuer, arn));
}
