// A live trust policy against the rules file: does the policy AWS enforces accept a token the
// rules refuse (a gap, shown with a concrete token), and does it accept any token they allow?
// The search builds consistent tokens of the platform (token-model.ts): one the rules allow
// and the policy accepts, then variants with one claim changed to a value the rules refuse,
// drawn from the rules' own patterns (a `*` stretched across `/` or `:`, other values, case,
// a missing claim) and from the policy's values. It finds counterexamples, it does not prove
// their absence: rules AWS cannot see at all are listed apart, as checked by claimcheck only.
import { evaluatePolicy } from './evaluate.js';
import { claimValues, conditionKeyFor, requestContext, type IssuerKeys } from './keys.js';
import { parseIamValue, type IamToken } from './pattern.js';
import type { PolicyDocument } from './policy.js';
import { checkClaimRules, type Alternative, type ClaimRule } from '../../rules/rules.js';
import type { Platform } from '../../rules/rules-file.js';
import { ruleBindings, type RuleBinding } from './compile.js';
import { tokenModel, withSubject, type Claims, type TokenModel } from '../token-model.js';

export interface CheckInput {
  readonly policy: PolicyDocument;
  readonly rules: readonly ClaimRule[];
  readonly keys: IssuerKeys;
  readonly audience: string;
  readonly platform: Platform | undefined;
}

export interface Gap {
  readonly claim: string;
  readonly summary: string;
  /** The claims of a token the policy accepts and the rules refuse (subject included). */
  readonly token: Readonly<Record<string, string>>;
}

export interface CheckResult {
  /** A token the rules allow and the policy accepts; undefined when none was found. */
  readonly witness: Readonly<Record<string, string>> | undefined;
  readonly gaps: readonly Gap[];
  /** Rules AWS cannot check, whatever the policy says. */
  readonly claimcheckOnly: readonly RuleBinding[];
}

interface Context {
  readonly input: CheckInput;
  readonly model: TokenModel;
  readonly awsClaims: ReadonlySet<string>;
}

/** One claim changed; a subject is taken apart into the claims it stands for. */
function setClaim(context: Context, claims: Claims, claim: string, value: string | undefined): Claims {
  // Stryker disable next-line ConditionalExpression: equivalent: a token always gets a subject (variants), so removing it changes nothing
  if (claim !== 'sub' || value === undefined) return context.model.set(claims, claim, value);
  return Object.entries(context.model.fromSubject(value)).reduce((next, [name, part]) => context.model.set(next, name, part), claims);
}

/** The token variants of some claims (one per subject form), as the request's claims. */
function variants(context: Context, claims: Claims): Claims[] {
  return context.model.subjects(claims).map((sub) => withSubject(claims, sub, context.input.audience) as Claims);
}

function policyAccepts(context: Context, token: Claims): boolean {
  const { keys, policy } = context.input;
  return evaluatePolicy(policy, {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value.endsWith(`:oidc-provider/${keys.prefix}`),
    context: requestContext(keys, token),
  }).allowed;
}

function rulesAllow(context: Context, token: Claims): boolean {
  return checkClaimRules(context.input.rules, token).every((result) => result.held);
}

/** A value that matches an alternative: stars filled with `fill`. */
function instance(alternative: Alternative, fill: string): string | undefined {
  if ('exact' in alternative) return alternative.exact;
  if ('regex' in alternative) return undefined;
  return alternative.glob.map((token) => ('literal' in token ? token.literal : fill)).join('');
}

function iamInstance(tokens: readonly IamToken[], fill: string): string {
  return tokens.map((token) => ('literal' in token ? token.literal : 'one' in token ? 'x' : fill)).join('');
}

/** Values the policy's conditions on a key would take, with their wildcards filled. */
function policyValues(policy: PolicyDocument, key: string, fills: readonly string[]): string[] {
  const out: string[] = [];
  for (const statement of policy.statements) {
    for (const condition of statement.conditions) {
      if (condition.key.toLowerCase() !== key.toLowerCase() || /Not|Null/.test(condition.operator)) continue;
      const like = condition.operator.includes('Like');
      // Stryker disable next-line ArrayDeclaration: equivalent: values that are not text make the whole policy refuse (it fails closed)
      for (const value of condition.values ?? []) {
        const tokens = parseIamValue(value, like, true);
        if (tokens) for (const fill of fills) out.push(iamInstance(tokens, fill));
      }
    }
  }
  return out;
}

/** Candidate claim sets, read off the policy: for keyed claims directly, for the rest through sub. */
function policyCandidates(context: Context, fills: readonly string[]): Array<[string, string]> {
  const { keys, policy } = context.input;
  const pairs: Array<[string, string]> = [];
  for (const claim of context.awsClaims) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent: a subject's claims are read below, and the audience is the request's own
    if (claim === 'sub' || claim === 'aud') continue;
    // The claims AWS sees are those with a condition key.
    for (const value of policyValues(policy, conditionKeyFor(keys, claim) as string, fills)) pairs.push([claim, value]);
  }
  for (const sub of policyValues(policy, `${keys.prefix}:sub`, fills)) {
    for (const [claim, value] of Object.entries(context.model.fromSubject(sub))) pairs.push([claim, value]);
  }
  return pairs;
}

/** A token the rules allow and the policy accepts, built value by value; undefined if none found. */
function findWitness(context: Context): Claims | undefined {
  const { model, input } = context;
  let claims = model.base();
  for (const rule of input.rules) {
    const value = rule.alternatives.map((alternative) => instance(alternative, 'x')).find((candidate) => candidate !== undefined);
    if (value !== undefined) claims = setClaim(context, claims, rule.claim, value);
  }
  const accepted = (token: Claims) => variants(context, token).find((variant) => rulesAllow(context, variant) && policyAccepts(context, variant));
  let found = accepted(claims);
  if (found) return found;
  // Take the policy's values one at a time, keeping each that the rules still allow.
  for (const [claim, value] of policyCandidates(context, ['x', ''])) {
    const next = setClaim(context, claims, claim, value);
    if (!variants(context, next).some((variant) => rulesAllow(context, variant))) continue;
    claims = next;
    found = accepted(claims);
    if (found) return found;
  }
  return undefined;
}

/** Values of a claim that some rule refuses: near misses of the rules' and the policy's own values. */
function refusedCandidates(context: Context, rule: ClaimRule, current: string | undefined): Array<string | undefined> {
  const base = [
    ...rule.alternatives.flatMap((alternative) => ['x/y', 'x:y', 'x'].map((fill) => instance(alternative, fill))),
    // Stryker disable next-line ConditionalExpression,ArrayDeclaration: equivalent: the witness holds a value for every rule on a keyed claim
    ...(current === undefined ? [] : [`${current}9`, `${current}-other`, `other-${current}`, current.toUpperCase(), `${current}/x`, `${current}:x`, '']),
  ];
  // Gaps are sought only on claims with a condition key.
  const key = conditionKeyFor(context.input.keys, rule.claim) as string;
  const fromPolicy = policyValues(context.input.policy, key, ['x', 'x/y', 'x:y', '']);
  const fromSub = policyValues(context.input.policy, `${context.input.keys.prefix}:sub`, ['x', 'x/y', 'x:y']).flatMap((sub) => {
    const value = context.model.fromSubject(sub)[rule.claim];
    // Stryker disable next-line ConditionalExpression: equivalent: undefined is filtered out below
    return value === undefined ? [] : [value];
  });
  // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent: keyed rules have no regular expression, so every instance is a value
  return [...new Set([...base, ...fromPolicy, ...fromSub].filter((value): value is string => value !== undefined)), undefined];
}

function describeGap(context: Context, rule: ClaimRule, value: string | undefined): string {
  // Gaps are sought only on claims with a condition key.
  const key = conditionKeyFor(context.input.keys, rule.claim) as string;
  const checked = context.input.policy.statements.some((statement) => statement.conditions.some((condition) => condition.key.toLowerCase() === key.toLowerCase()));
  const shown = value === undefined ? `a token without ${rule.claim}` : `${rule.claim} ${JSON.stringify(value)}`;
  if (!checked && rule.claim !== 'sub') return `accepts any ${rule.claim}: the policy never checks ${key} (e.g. ${shown}, which the rule ${rule.source} refuses)`;
  return `accepts ${shown}, which the rule ${rule.source} refuses`;
}

function findGaps(context: Context, witness: Claims): Gap[] {
  const gaps: Gap[] = [];
  for (const rule of context.input.rules) {
    if (!context.awsClaims.has(rule.claim)) continue;
    if (gaps.some((gap) => gap.claim === rule.claim)) continue;
    const current = claimValues(witness[rule.claim])[0];
    for (const value of refusedCandidates(context, rule, current)) {
      const token = variants(context, setClaim(context, witness, rule.claim, value)).find((variant) => !rulesAllow(context, variant) && policyAccepts(context, variant));
      if (token) {
        gaps.push({ claim: rule.claim, summary: describeGap(context, rule, value), token });
        break;
      }
    }
  }
  return gaps;
}

export function checkPolicy(input: CheckInput): CheckResult {
  const model = tokenModel(input.keys, input.platform);
  const bindings = ruleBindings(input.rules, input.keys);
  const context: Context = { input, model, awsClaims: new Set(bindings.filter((binding) => binding.where !== 'claimcheck').map((binding) => binding.rule.claim)) };
  const claimcheckOnly = bindings.filter((binding) => binding.where === 'claimcheck');
  const witness = findWitness(context);
  return { witness, gaps: witness ? findGaps(context, witness) : [], claimcheckOnly };
}
