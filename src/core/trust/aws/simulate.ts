// A token against a trust policy, as STS would judge it: the statement that accepts it, or
// for each statement the condition that refuses it with the token's own value, and the near
// misses people hit (case, the legacy vs immutable subject, a job's environment subject, the
// audience, another provider's host). This is the AccessDenied debugger.
import { evaluatePolicy, type ConditionResult, type StatementResult } from './evaluate.js';
import { issuerKeys, requestContext, type KeyFamily } from './keys.js';
import { matchesIam, parseIamValue } from './pattern.js';
import type { PolicyDocument } from './policy.js';
import { githubSubjectKind, otherSubjectForm } from './platforms/github.js';

export interface Simulation {
  readonly allowed: boolean;
  readonly lines: readonly string[];
}

const show = (value: unknown) => JSON.stringify(value);

function statementName(result: StatementResult): string {
  const { statement } = result;
  return `Statement[${statement.index}]${statement.sid ? ` (${statement.sid})` : ''}`;
}

function refusal(condition: ConditionResult): string {
  const { operator, key, values } = condition.condition;
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

/** How the statements that could have allowed the token refused it. */
function explainRefusal(statements: readonly StatementResult[], claims: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const lines: string[] = [];
  const allows = statements.filter((result) => result.effect === 'Allow');
  if (allows.length === 0) lines.push('REFUSED: the policy has no Allow statement.');
  for (const result of allows) {
    const why: string[] = [];
    if (result.unsupported) why.push(`it uses ${result.unsupported}, which claimcheck does not evaluate`);
    if (!result.principal) why.push(principalHint(result, prefix));
    if (!result.action) why.push('its Action does not include sts:AssumeRoleWithWebIdentity');
    const failing = result.conditions.filter((condition) => !condition.held || condition.unsupported);
    lines.push(`${statementName(result)} refuses it:`);
    for (const reason of why) lines.push(`  - ${reason}`);
    for (const condition of failing) {
      lines.push(`  - ${refusal(condition)}`);
      for (const hint of nearMisses(condition, claims, prefix)) lines.push(`    hint: ${hint}`);
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

export function simulateToken(input: SimulationInput): Simulation {
  const keys = issuerKeys(input.issuer, input.family);
  const evaluation = evaluatePolicy(input.policy, {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value.endsWith(`:oidc-provider/${keys.prefix}`),
    context: requestContext(keys, input.claims),
  });
  const keysLine = `Condition keys from this token (${keys.family === 'none' ? 'AWS evaluates only sub and aud for this issuer' : `AWS's ${keys.family} keys`}): ${[...requestContext(keys, input.claims).keys()].join(', ')}`;
  // Every decision but no-allow names its statement: the Allow, the Deny, or the one claimcheck cannot read.
  const { deciding } = evaluation;
  if (deciding === undefined) return { allowed: false, lines: ['REFUSED: no statement allows this token.', ...explainRefusal(evaluation.statements, input.claims, keys.prefix), keysLine] };
  if (evaluation.allowed) return { allowed: true, lines: [`ACCEPTED by ${statementName(deciding)}.`, keysLine] };
  if (evaluation.decision === 'unsupported') {
    return { allowed: false, lines: [`REFUSED: claimcheck cannot evaluate ${statementName(deciding)}, so it refuses the whole policy.`, ...explainRefusal([deciding], input.claims, keys.prefix), keysLine] };
  }
  return { allowed: false, lines: [`REFUSED: ${statementName(deciding)} denies it explicitly (a Deny wins over every Allow).`, keysLine] };
}
