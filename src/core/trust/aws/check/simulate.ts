// A token against a trust policy, as STS would judge it: the statement that accepts it, or
// for each statement the condition that refuses it with the token's own value, and the near
// misses people hit (case, the legacy vs immutable subject, a job's environment subject, the
// audience, another provider's host). This is the AccessDenied debugger. It reads conditions
// as `--check` does: a condition on a key the token does not set (sts:RoleSessionName,
// aws:SourceIp), with a policy variable, or with an operator on numbers or dates is decided by
// something claimcheck cannot see, and the answer then says so instead of guessing.
import { modelledClaims } from '../../grammar/grammar.js';
import { evaluatePolicy, type ConditionResult, type StatementResult } from '../iam/evaluate.js';
import { issuerKeys, keyedClaims, requestContext, type IssuerKeys, type KeyFamily } from '../iam/keys.js';
import { coversAction, coversProvider, providerTest, WEB_IDENTITY } from '../iam/principals.js';
import { providerKeys } from '../iam/statement-view.js';
import { grammarOf } from './trust-problem.js';
import { matchesIam, parseIamValue } from '../iam/pattern.js';
import type { PolicyDocument } from '../iam/policy.js';
import { githubSubjectKind, otherSubjectForm } from '../platforms/github.js';

export interface Simulation {
  readonly allowed: boolean;
  /** The answer turns on what claimcheck cannot see (or the policy is not one IAM would take). */
  readonly undecided?: true;
  readonly lines: readonly string[];
}

const UNSEEN = 'decided by a key claimcheck cannot see';

type Unseen = (condition: ConditionResult) => boolean;

const show = (value: unknown) => JSON.stringify(value);

function statementName(result: StatementResult): string {
  const { statement } = result;
  return `Statement[${statement.index}]${statement.sid ? ` (${statement.sid})` : ''}`;
}

function refusal(condition: ConditionResult, unseen: Unseen): string {
  const { operator, key, values } = condition.condition;
  if (unseen(condition)) return `${operator} on ${key}: ${UNSEEN} (the caller or the request sets it, or a policy variable or an operator claimcheck does not model)`;
  if (condition.unsupported) return `${operator} on ${key} cannot be evaluated here (${condition.unsupported}); claimcheck treats it as failing`;
  const has = condition.actual === undefined ? 'the token has no such claim' : `the token has ${show(condition.actual.length === 1 ? condition.actual[0] : condition.actual)}`;
  return `${operator} ${key} ${show(values && values.length === 1 ? values[0] : values)} does not hold: ${has}`;
}

function anyMatches(values: readonly string[] | undefined, actual: string, ignoreCase: boolean, like: boolean): boolean {
  // Stryker disable next-line ArrayDeclaration: equivalent: a made-up value matches no token's claim
  return (values ?? []).some((value) => {
    const tokens = parseIamValue(value, like, true);
    return tokens !== undefined && matchesIam(tokens, actual, ignoreCase);
  });
}

/** Hints for one failing condition, from what the token presented. */
function nearMisses(condition: ConditionResult, claims: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const hints: string[] = [];
  const { operator, key, values } = condition.condition;
  const like = operator.includes('Like');
  const [actual] = condition.actual ?? [];
  const claim = key.slice(key.lastIndexOf(':') + 1);
  if (!key.toLowerCase().startsWith(`${prefix.toLowerCase()}:`)) {
    hints.push(`The key ${key} is for another provider: this token's keys start with ${prefix}: (the issuer's URL without https://).`);
    return hints;
  }
  if (actual !== undefined && !/Not/.test(operator) && anyMatches(values, actual, true, like)) hints.push(`The values differ only in case: IAM compares ${claim} case-sensitively.`);
  if (
    claim === 'sub' &&
    // Stryker disable next-line ConditionalExpression: equivalent: an absent subject has no GitHub form, so no hint below applies
    actual !== undefined
  ) {
    const kind = githubSubjectKind(actual);
    const other = otherSubjectForm(actual, claims);
    if (other !== undefined && anyMatches(values, other, false, like)) {
      hints.push(
        kind === 'immutable'
          ? `This repository uses GitHub's immutable subject (${show(actual)}); the policy matches the legacy form ${show(other)}. Trust both forms, or pin repository_id with ${prefix}:repository_id.`
          : `The policy matches the immutable subject form ${show(other)}, but this token carries the legacy form ${show(actual)}.`,
      );
    }
    // GitHub's environment jobs carry :environment: instead of the ref; GitLab's subjects keep :ref: and name no environment.
    // Stryker disable next-line ArrayDeclaration: equivalent: a made-up value names no ref
    if (kind !== 'other' && typeof claims.environment === 'string' && (values ?? []).some((value) => value.includes(':ref:'))) {
      hints.push(`This job uses the environment ${show(claims.environment)}, so its subject ends in :environment:${claims.environment}, not the branch: trust that subject, or use ${prefix}:environment and ${prefix}:ref.`);
    }
  }
  if (claim === 'aud') hints.push(`The token's audience is ${show(actual)}: request the token for an audience the policy lists (the audience input), and list it as a client ID of the IAM OIDC provider.`);
  return hints;
}

function principalHint(result: StatementResult, prefix: string): string {
  const principal = result.statement.principal as { Federated?: unknown } | null | undefined;
  return `its Principal ${show(principal?.Federated ?? principal)} is not the IAM OIDC provider of this token's issuer (…:oidc-provider/${prefix})`;
}

interface Judged {
  readonly result: StatementResult;
  readonly covers: boolean;
  readonly status: 'applies' | 'misses' | 'depends';
}

/** How the statements that could have allowed the token refused it. */
function explainRefusal(judged: readonly Judged[], claims: Readonly<Record<string, unknown>>, prefix: string, unseen: Unseen): string[] {
  const lines: string[] = [];
  const allows = judged.filter(({ result }) => result.effect === 'Allow');
  if (allows.length === 0) lines.push('REFUSED: the policy has no Allow statement.');
  for (const { result, covers } of allows) {
    const why: string[] = [];
    if (!covers && !coversProvider(result.statement, providerTest(prefix))) why.push(principalHint(result, prefix));
    if (!covers && !coversAction(result.statement, WEB_IDENTITY)) why.push('its Action does not include sts:AssumeRoleWithWebIdentity');
    const failing = result.conditions.filter((condition) => !condition.held || condition.unsupported || unseen(condition));
    lines.push(`${statementName(result)} refuses it:`);
    for (const reason of why) lines.push(`  - ${reason}`);
    for (const condition of failing) {
      lines.push(`  - ${refusal(condition, unseen)}`);
      if (!unseen(condition)) for (const hint of nearMisses(condition, claims, prefix)) lines.push(`    hint: ${hint}`);
    }
  }
  return lines;
}

export interface SimulationInput {
  readonly policy: PolicyDocument;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly issuer: string;
  readonly family?: KeyFamily;
}

/** Conditions whose answer comes from what claimcheck cannot see, for the issuer's requests. */
function unseenTest(keys: IssuerKeys, audience: string): Unseen {
  const resolve = providerKeys(keys.prefix, keyedClaims(keys), modelledClaims(grammarOf({ issuer: `https://${keys.prefix}`, keys, audience })));
  return (condition) => condition.unresolved === true || (condition.unsupported !== undefined && condition.condition.values !== undefined) || 'unknown' in resolve(condition.condition.key);
}

function judge(input: SimulationInput, keys: IssuerKeys, unseen: Unseen): Judged[] {
  const evaluation = evaluatePolicy(input.policy, {
    action: WEB_IDENTITY,
    principalMatches: (kind, value) => kind === 'Federated' && value.endsWith(`:oidc-provider/${keys.prefix}`),
    context: requestContext(keys, input.claims),
  });
  const isProvider = providerTest(keys.prefix);
  return evaluation.statements.map((result) => {
    const covers = coversProvider(result.statement, isProvider) && coversAction(result.statement, WEB_IDENTITY);
    const known = result.conditions.filter((condition) => !unseen(condition));
    const status = !covers || known.some((condition) => !condition.held) ? 'misses' : known.length < result.conditions.length ? 'depends' : 'applies';
    return { result, covers, status };
  });
}

function names(judged: readonly Judged[], unseen: Unseen): string {
  return judged.map(({ result }) => `${statementName(result)} (${result.conditions.filter(unseen).map((condition) => condition.condition.key).join(', ')})`).join('; ');
}

export function simulateToken(input: SimulationInput): Simulation {
  const keys = issuerKeys(input.issuer, input.family);
  const keysLine = `Condition keys from this token (${keys.family === 'none' ? 'AWS evaluates only sub and aud for this issuer' : `AWS's ${keys.family} keys`}): ${[...requestContext(keys, input.claims).keys()].join(', ')}`;
  if (input.policy.problems.length > 0) return { allowed: false, undecided: true, lines: [`CANNOT VERIFY: the policy is not one IAM would take: ${input.policy.problems.join('; ')}.`, keysLine] };
  const audience = typeof input.claims.aud === 'string' ? input.claims.aud : '';
  const unseen = unseenTest(keys, audience);
  const judged = judge(input, keys, unseen);
  const denies = judged.filter(({ result }) => result.effect === 'Deny');
  const allows = judged.filter(({ result }) => result.effect === 'Allow');
  const denied = denies.find(({ status }) => status === 'applies');
  if (denied) return { allowed: false, lines: [`REFUSED: ${statementName(denied.result)} denies it explicitly (a Deny wins over every Allow).`, keysLine] };
  const accepting = allows.find(({ status }) => status === 'applies');
  const maybeDenied = denies.filter(({ status }) => status === 'depends');
  const maybeAllowed = allows.filter(({ status }) => status === 'depends');
  if (accepting && maybeDenied.length === 0) return { allowed: true, lines: [`ACCEPTED by ${statementName(accepting.result)}.`, keysLine] };
  if (accepting) return { allowed: false, undecided: true, lines: [`CANNOT VERIFY: ${statementName(accepting.result)} accepts it, but whether ${names(maybeDenied, unseen)} denies it is ${UNSEEN}.`, keysLine] };
  if (maybeAllowed.length > 0) return { allowed: false, undecided: true, lines: [`CANNOT VERIFY: whether ${names(maybeAllowed, unseen)} accepts it is ${UNSEEN}; every condition claimcheck can see holds.`, keysLine] };
  return { allowed: false, lines: ['REFUSED: no statement allows this token.', ...explainRefusal(judged, input.claims, keys.prefix, unseen), keysLine] };
}
