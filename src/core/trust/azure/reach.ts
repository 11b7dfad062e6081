// Where Entra ID can check one claim rule: in the subject a federated credential names, in a
// flexible credential's expression, or not at all. The step summary and the audit line ask
// here at run time; trust-policy --cloud azure (compile.ts) decides per credential.
import type { ClaimRule } from '../../rules/rules.js';
import { azureFamily, flexibleSupport, PER_RUN_SUBJECTS } from './issuers.js';
import { exactValue } from './pieces.js';

const SUBJECT_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  github: ['repository', 'repository_owner', 'repository_id', 'repository_owner_id', 'environment', 'ref'],
  gitlab: ['project_path', 'ref', 'ref_type'],
};

/** A token's family by its subject's shape, for issuers not known by their URL (GitHub Enterprise Server, a test's). */
function familyOfClaims(claims: Readonly<Record<string, unknown>>): 'github' | 'gitlab' | undefined {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (sub.startsWith('repo:') && typeof claims.repository === 'string') return 'github';
  if (sub.startsWith('project_path:') && typeof claims.project_path === 'string') return 'gitlab';
  return undefined;
}

/** The key Entra checks a rule on (subject, issuer, audiences, or a flexible expression's claim), or undefined. */
export function azureReach(rule: ClaimRule, issuer: string, claims: Readonly<Record<string, unknown>> = {}): string | undefined {
  if (rule.alternatives.some((alternative) => 'regex' in alternative)) return undefined;
  if (rule.claim === 'iss') return 'issuer';
  if (rule.claim === 'aud') return 'audiences';
  if (rule.claim === 'sub') return 'subject';
  const known = azureFamily(issuer, undefined);
  const family = known === 'other' ? (familyOfClaims(claims) ?? known) : known;
  if (PER_RUN_SUBJECTS[family] !== undefined) return undefined;
  if (SUBJECT_CLAIMS[family]?.includes(rule.claim)) return 'subject';
  if (family === 'github' && rule.claim === 'event_name' && rule.alternatives.every((alternative) => exactValue({ ...rule, alternatives: [alternative] }) === 'pull_request')) return 'subject';
  return flexibleSupport(issuer)?.claims[rule.claim] === undefined ? undefined : `claims['${rule.claim}']`;
}
