// The one compiler: rules (from a rules file, from --platform flags, from a token) into the
// trust policy AWS enforces. Rules on claims with a condition key go onto that key
// (compile.ts); rules on claims AWS sees only inside the subject go into subject patterns
// (compile-subject.ts); the rest bind at claimcheck only, and say so. The policy written is
// then checked like a live one (check.ts): it is written only when no token the issuer could
// issue is accepted that a rule AWS can see refuses, and only when it pins a repository or
// project of the issuer (or the opt-in says otherwise). Tokens the rules allow that the policy
// refuses (shapes the subject cannot carry the rules in) are said as notes.
import { ClaimcheckError } from '../../errors.js';
import { checkRule, type ClaimRule } from '../../rules/rules.js';
import type { GrammarPlatform } from '../grammar/choose.js';
import { checkPolicy, type Claims, type Finding } from './check/check.js';
import { compileRules, type CompiledTrust, type RuleBinding } from './compile.js';
import { subjectPatterns } from './compile-subject.js';
import { conditionKeyFor, type IssuerKeys } from './iam/keys.js';
import { exactValue } from './iam/pattern.js';
import { readPolicyDocument } from './iam/policy.js';
import { grammarOf, visibleClaims } from './check/trust-problem.js';

export interface CompileRequest {
  readonly rules: readonly ClaimRule[];
  readonly issuer: string;
  readonly keys: IssuerKeys;
  readonly audience: string;
  /** The IAM OIDC provider's ARN (the statements' Federated principal). */
  readonly principal: string;
  readonly platform?: GrammarPlatform | undefined;
  /** The documented opt-in for a policy that pins no repository or project of the issuer. */
  readonly allowUnpinned?: boolean;
  /** Who the rules are, for messages: "The rules", "Role map entry deploy". */
  readonly where: string;
  /** A token's own subject: it may be one the grammar does not know (a customised subject template). */
  readonly fromToken?: boolean;
}

export interface CompiledPolicy extends CompiledTrust {
  /** What the policy refuses that the rules allow, and other things worth saying. */
  readonly notes: readonly string[];
}

/** A token's claims in short: the subject and the claims the rules name. */
export function describeToken(token: Claims, rules: readonly ClaimRule[]): string {
  const names = [...new Set(['sub', ...rules.map((rule) => rule.claim)])];
  return names.map((name) => `${name}=${name in token ? JSON.stringify(token[name]) : '(missing)'}`).join(', ');
}

/** Rules AWS sees only inside the subject: no condition key, a claim the subject is built from, no regular expression. */
function subjectRules(request: CompileRequest): ClaimRule[] {
  const visible = visibleClaims(grammarOf(request), request.keys);
  return request.rules.filter((rule) => conditionKeyFor(request.keys, rule.claim) === undefined && visible.has(rule.claim) && rule.alternatives.every((alternative) => !('regex' in alternative)));
}

/** The candidate policy; `strict` adds the subject's twice-exclusions (compile-subject.ts). */
function candidate(request: CompileRequest, carried: readonly ClaimRule[], strict: boolean): CompiledTrust {
  const accepts = (rule: ClaimRule, value: string) => checkRule(rule, { [rule.claim]: value }).held;
  const patterns = carried.length > 0 ? subjectPatterns(grammarOf(request), carried, accepts, strict) : undefined;
  if (carried.length > 0 && !patterns) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `${request.where} cannot be written as a trust policy for ${request.keys.prefix}: AWS sees ${carried.map((rule) => rule.claim).join(', ')} only inside the subject, and no subject of the issuer carries ${carried.map((rule) => rule.source).join(' and ')} together (or they need too many subject values).`,
      'Split the rules into role map entries the subject can carry one at a time (a job with an environment has the environment subject, which names no ref), or drop one.',
    );
  }
  const key = `${request.keys.prefix}:sub`;
  const subject = patterns && { rules: carried, fragments: patterns.groups.map((group) => ({ key, equals: group.equals?.map(exactValue), like: group.like, notLike: group.notLike })) };
  return compileRules(request.rules, { principal: request.principal, keys: request.keys, audience: request.audience }, subject);
}

/** The check of a candidate against the rules it binds at AWS. */
function verify(request: CompileRequest, compiled: CompiledTrust): readonly Finding[] {
  const bound = compiled.bindings.filter((binding) => binding.where !== 'claimcheck').map((binding) => binding.rule);
  return checkPolicy({
    policy: readPolicyDocument(compiled.document),
    rules: bound,
    issuer: request.issuer,
    keys: request.keys,
    audience: request.audience,
    platform: request.platform,
    providerArn: request.principal,
    allowUnpinned: request.allowUnpinned === true,
  }).findings;
}

type Verified = { readonly compiled: CompiledTrust; readonly findings: readonly Finding[] };

const hasGap = (findings: readonly Finding[]) => findings.some((finding) => finding.kind === 'gap');

/** Most exclusions tried one at a time for a policy that refuses tokens the rules allow. */
const MAX_PRUNES = 16;

/**
 * Exclusions the issuer's grammar makes needless, dropped one at a time while the check finds
 * no gap and nothing new to say: the compiler adds them for any value (a `*` of the rule must
 * not span `/` or `:`), but some claims never hold a separator, and each one kept refuses
 * tokens the rules allow.
 */
function pruned(request: CompileRequest, start: Verified): Verified {
  let best = start;
  const kinds = (findings: readonly Finding[]) => new Set(findings.map((finding) => finding.kind));
  const allowed = kinds(start.findings);
  let tries = 0;
  const statements = (best.compiled.document as { Statement: Array<{ Condition: Record<string, Record<string, string | string[]>> }> }).Statement;
  for (let s = 0; s < statements.length; s++) {
    for (const [key, values] of Object.entries(statements[s]?.Condition.StringNotLike ?? {})) {
      for (const value of [values].flat()) {
        if (!best.findings.some((finding) => finding.kind === 'narrower') || tries++ >= MAX_PRUNES) return best;
        const document = withoutExclusion(best.compiled.document, s, key, value);
        const findings = verify(request, { ...best.compiled, document });
        if (!hasGap(findings) && [...kinds(findings)].every((kind) => allowed.has(kind))) best = { compiled: { ...best.compiled, document }, findings };
      }
    }
  }
  return best;
}

/** The policy without one StringNotLike value of one statement. */
function withoutExclusion(document: CompiledTrust['document'], index: number, key: string, value: string): CompiledTrust['document'] {
  const copy = JSON.parse(JSON.stringify(document)) as CompiledTrust['document'] & { Statement: Array<{ Condition: Record<string, Record<string, string | string[]>> }> };
  const statement = copy.Statement[index] as { Condition: Record<string, Record<string, string | string[]>> };
  const notLike = statement.Condition.StringNotLike as Record<string, string | string[]>;
  const rest = [notLike[key] ?? []].flat().filter((item) => item !== value);
  if (rest.length > 0) notLike[key] = rest.length === 1 ? (rest[0] as string) : rest;
  else delete notLike[key];
  if (Object.keys(notLike).length === 0) delete statement.Condition.StringNotLike;
  return copy;
}

/** The candidate the check proves exact (strict only when needed), with needless exclusions dropped. */
function loosestExact(request: CompileRequest): Verified {
  const carried = subjectRules(request);
  const normal = candidate(request, carried, false);
  let result: Verified = { compiled: normal, findings: verify(request, normal) };
  if (hasGap(result.findings)) {
    const strict = candidate(request, carried, true);
    result = { compiled: strict, findings: verify(request, strict) };
  }
  return hasGap(result.findings) ? result : pruned(request, result);
}

function refusal(request: CompileRequest, findings: readonly Finding[]): ClaimcheckError | undefined {
  const gap = findings.find((finding) => finding.kind === 'gap');
  if (gap?.kind === 'gap') {
    return new ClaimcheckError('INPUT_INVALID', `${request.where} cannot be written as a trust policy on the claims AWS evaluates for ${request.keys.prefix}: it would also accept a token the rule ${gap.rule.source} refuses (${describeToken(gap.token, request.rules)}).`, 'Pin the claim on a condition key AWS evaluates, or narrow the rule so that the subject carries it exactly (no * next to a claim that may hold the separator).');
  }
  const unpinned = findings.find((finding) => finding.kind === 'unpinned');
  if (unpinned?.kind === 'unpinned') {
    return new ClaimcheckError('INPUT_INVALID', `${request.where} pin no ${unpinned.noun} of ${request.keys.prefix}: the policy would let every ${unpinned.noun}'s jobs assume the role (e.g. ${describeToken(unpinned.token, request.rules)}).`, `Add a rule that pins the ${unpinned.noun} (by its id where AWS evaluates one), or pass --allow-unpinned if every ${unpinned.noun} of this issuer is meant to assume the role (docs/trust-verdicts.md).`);
  }
  if (!request.fromToken && findings.some((finding) => finding.kind === 'unusable')) {
    return new ClaimcheckError('INPUT_INVALID', `${request.where} accept no token AWS would let in: rules on the same claim allow no common value, or the subject cannot carry them.`, 'Check the rules on each claim for values that contradict each other.');
  }
  const undecided = findings.find((finding) => finding.kind === 'undecided');
  if (undecided?.kind === 'undecided') return new ClaimcheckError('INPUT_INVALID', `${request.where} give a policy claimcheck cannot verify (${undecided.about}: ${undecided.why.join('; ')}).`, 'Simplify the rules: fewer alternatives and patterns on the same claim.');
  return undefined;
}

export function compileTrust(request: CompileRequest): CompiledPolicy {
  const result = loosestExact(request);
  const error = refusal(request, result.findings);
  if (error) throw error;
  const notes = result.findings.flatMap((finding) => (finding.kind === 'narrower' ? [`Note: the policy refuses some tokens ${request.where.toLowerCase()} allow (the claims AWS evaluates cannot carry the rules exactly for them), e.g. ${describeToken(finding.token, request.rules)}.`] : []));
  if (notes.length > 0) return { ...result.compiled, notes };
  // Exact after all, for every token the issuer can issue: no binding is narrower.
  const bindings = result.compiled.bindings.map((binding): RuleBinding => (binding.where === 'aws-narrower' ? { rule: binding.rule, where: 'aws', key: binding.key, note: 'exact for every token the issuer can issue (claimcheck checked the policy against its grammar)' } : binding));
  return { ...result.compiled, bindings, notes };
}

export type { RuleBinding };
