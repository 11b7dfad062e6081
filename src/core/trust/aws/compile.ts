// Claim rules compiled into the trust policy AWS enforces. Each rule on a claim AWS sees as a
// condition key becomes conditions that accept exactly what the rule accepts:
// - an exact value or a pattern without `*` → StringEquals; several → a value list;
// - `**` → IAM's `*` (StringLike), which also crosses `/` and `:`;
// - `*` stays within a segment in claimcheck, so it becomes IAM's `*` plus a StringNotLike
//   that refuses values with more `/` (or `:`) than the pattern's own: every separator of a
//   match is then one of the pattern's, so no `*` spans one. A pattern that mixes `*` and `**`
//   gets a StringNotLike per `*` instead, which can refuse a few values the rule accepts
//   (said as such, never wider);
// - alternatives that need different exclusions get a statement each (IAM ORs statements).
// Rules AWS cannot check (a claim without a condition key, a regular expression) are not
// widened or dropped in silence: the result lists them as checked by claimcheck only.
import { ClaimcheckError } from '../../errors.js';
import type { IssuerKeys } from './iam/keys.js';
import { exactValue, likeLiteral } from './iam/pattern.js';
import type { Alternative, ClaimRule, PatternToken } from '../../rules/rules.js';
import { reachOf } from './binding.js';

export type RuleBinding =
  | { readonly rule: ClaimRule; readonly where: 'aws'; readonly key: string; readonly note?: string }
  | { readonly rule: ClaimRule; readonly where: 'aws-narrower'; readonly key: string; readonly note: string }
  | { readonly rule: ClaimRule; readonly where: 'claimcheck'; readonly reason: string };

/** A rule's share of one statement: the values a key must take, and those it must not. */
export interface Fragment {
  readonly key: string;
  readonly equals: readonly string[] | undefined;
  readonly like: readonly string[] | undefined;
  readonly notLike: readonly string[];
}

type Conditions = Record<string, Record<string, string[]>>;

export interface TrustTarget {
  /** The IAM OIDC provider's ARN (the statement's Federated principal). */
  readonly principal: string;
  readonly keys: IssuerKeys;
  readonly audience: string;
}

export interface CompiledTrust {
  readonly document: { Version: string; Statement: object[] };
  readonly bindings: readonly RuleBinding[];
}

/** More statements than this is a rules file to simplify, not a policy to write. */
const MAX_STATEMENTS = 16;
const SEPARATORS = ['/', ':'] as const;

const count = (text: string, char: string) => text.split(char).length - 1;

/** A glob as an IAM pattern: literal runs escaped whole (so `$` + `{` is caught), stars as given. */
function iamPattern(tokens: readonly PatternToken[], star: (index: number) => string = () => '*'): string {
  let text = '';
  let run = '';
  tokens.forEach((token, index) => {
    if ('literal' in token) {
      run += token.literal;
    } else {
      text += likeLiteral(run) + star(index);
      run = '';
    }
  });
  return text + likeLiteral(run);
}

interface Translated {
  readonly value: string;
  readonly wildcard: boolean;
  /** Values with more separators than this are refused (segment stars only), per separator. */
  readonly limits: readonly number[] | undefined;
  /** Per-star exclusions, for patterns that mix `*` and `**` (narrower than the rule). */
  readonly exclusions: readonly string[];
}

function translate(alternative: Exclude<Alternative, { regex: unknown }>): Translated {
  if ('exact' in alternative) return { value: alternative.exact, wildcard: false, limits: undefined, exclusions: [] };
  const tokens = alternative.glob;
  const stars = tokens.filter((token) => 'star' in token);
  // Stryker disable next-line StringLiteral: equivalent: a star's stand-in text holds no separator and never reaches a value
  const literal = tokens.map((token) => ('literal' in token ? token.literal : '')).join('');
  if (stars.length === 0) return { value: literal, wildcard: false, limits: undefined, exclusions: [] };
  const segment = stars.filter((token) => token.star === 'segment').length;
  if (segment === stars.length) return { value: iamPattern(tokens), wildcard: true, limits: SEPARATORS.map((sep) => count(literal, sep)), exclusions: [] };
  // Only `**` (no exclusion), or `*` mixed with `**` (an exclusion per `*`).
  const exclusions: string[] = [];
  tokens.forEach((token, index) => {
    if (!('star' in token) || token.star !== 'segment') return;
    for (const sep of SEPARATORS) {
      exclusions.push(iamPattern(tokens, (i) => (i === index ? `*${sep}*` : '*')));
    }
  });
  return { value: iamPattern(tokens), wildcard: true, limits: undefined, exclusions };
}

/** `*` followed by (separator `*`) n+1 times: values with more than n separators. */
function moreSeparatorsThan(sep: string, n: number): string {
  return `*${`${sep}*`.repeat(n + 1)}`;
}

/** The fragments of one rule: alternatives that can share exclusions share a fragment. */
function fragmentsOf(key: string, alternatives: readonly Translated[]): Fragment[] {
  const groups = new Map<string, Translated[]>();
  // Values keep the order the rule gives its alternatives.
  const add = (group: string, item: Translated) => groups.set(group, [...(groups.get(group) ?? []), item].sort((a, b) => alternatives.indexOf(a) - alternatives.indexOf(b)));
  alternatives.forEach((item, index) => {
    if (item.exclusions.length > 0) add(`mixed:${index}`, item);
    else if (item.limits) add(`limits:${item.limits.join(',')}`, item);
    else add('plain', item);
  });
  // Plain values with no more separators than a limited group's limits can join it.
  const plain = groups.get('plain') ?? [];
  if (plain.every((item) => !item.wildcard)) {
    const remaining = plain.filter((item) => {
      const home = [...groups.keys()].find((group) => {
        // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: another group's key parses to no second limit, which no value fits
        if (!group.startsWith('limits:')) return false;
        const limits = group.slice('limits:'.length).split(',').map(Number);
        return SEPARATORS.every((sep, i) => count(item.value, sep) <= (limits[i] as number));
      });
      if (home) add(home, item);
      return home === undefined;
    });
    if (remaining.length === 0) groups.delete('plain');
    else groups.set('plain', remaining);
  }
  return [...groups.entries()].map(([group, items]) => {
    const wildcard = items.some((item) => item.wildcard);
    const values = items.map((item) => (wildcard ? (item.wildcard ? item.value : likeLiteral(item.value)) : exactValue(item.value)));
    const limits = group.startsWith('limits:') ? group.slice('limits:'.length).split(',').map(Number) : [];
    const notLike = [...limits.map((n, i) => moreSeparatorsThan(SEPARATORS[i] as string, n)), ...items.flatMap((item) => item.exclusions)];
    return { key, equals: wildcard ? undefined : unique(values), like: wildcard ? unique(values) : undefined, notLike: unique(notLike) };
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Rules carried inside the subject (compile-subject.ts), and the subject's conditions for them: one per statement. */
export interface SubjectPart {
  readonly rules: readonly ClaimRule[];
  readonly fragments: readonly Fragment[];
}

/** Where each rule binds, and the fragments of those AWS can check. */
function classify(rules: readonly ClaimRule[], keys: IssuerKeys, subject?: SubjectPart): { bindings: RuleBinding[]; fragments: Fragment[][] } {
  const bindings: RuleBinding[] = [];
  const fragments: Fragment[][] = subject ? [[...subject.fragments]] : [];
  for (const rule of rules) {
    if (subject?.rules.includes(rule)) {
      bindings.push({ rule, where: 'aws', key: `${keys.prefix}:sub`, note: 'inside the subject' });
      continue;
    }
    const reach = reachOf(rule, keys);
    if ('reason' in reach) {
      bindings.push({ rule, where: 'claimcheck', reason: reach.reason });
      continue;
    }
    const { key } = reach;
    const translated = (rule.alternatives as Array<Exclude<Alternative, { regex: unknown }>>).map(translate);
    fragments.push(fragmentsOf(key, translated));
    const mixed = translated.some((item) => item.exclusions.length > 0);
    bindings.push(
      mixed
        ? { rule, where: 'aws-narrower', key, note: 'a pattern with both * and ** has no exact IAM form; AWS also refuses a few values with / or : where the rule accepts them' }
        : { rule, where: 'aws', key },
    );
  }
  return { bindings, fragments };
}

/** Where each rule binds: on which condition key AWS checks it, or that only claimcheck can. */
export function ruleBindings(rules: readonly ClaimRule[], keys: IssuerKeys): RuleBinding[] {
  return classify(rules, keys).bindings;
}

/** Adds a fragment to a statement's conditions; false when the statement can match nothing. */
function addFragment(conditions: Conditions, fragment: Fragment): boolean {
  const block = (operator: string) => (conditions[operator] ??= {});
  const { equals } = fragment;
  if (equals) {
    // Stryker disable next-line OptionalChaining: equivalent: every statement starts with the audience in StringEquals
    const existing = conditions.StringEquals?.[fragment.key];
    const values = existing ? existing.filter((value) => equals.includes(value)) : [...equals];
    if (values.length === 0) return false;
    block('StringEquals')[fragment.key] = values;
  }
  if (fragment.like) {
    // A second pattern condition on one key: ForAnyValue:StringLike means the same for a
    // single-valued key and is a separate operator, so both must hold.
    const operator = conditions.StringLike?.[fragment.key] === undefined ? 'StringLike' : 'ForAnyValue:StringLike';
    if (conditions[operator]?.[fragment.key] !== undefined) {
      throw new ClaimcheckError('INPUT_INVALID', `More than two pattern rules constrain ${fragment.key}; IAM cannot express that in one statement.`, 'Merge the rules on that claim into one rule with alternatives.');
    }
    block(operator)[fragment.key] = [...fragment.like];
  }
  if (fragment.notLike.length > 0) {
    const notLike = block('StringNotLike');
    notLike[fragment.key] = unique([...(notLike[fragment.key] ?? []), ...fragment.notLike]);
  }
  return true;
}

function combinations(fragments: readonly Fragment[][]): Fragment[][] {
  return fragments.reduce<Fragment[][]>((partial, options) => partial.flatMap((chosen) => options.map((option) => [...chosen, option])), [[]]);
}

const OPERATOR_ORDER = ['StringEquals', 'StringLike', 'ForAnyValue:StringLike', 'StringNotLike'];

function ordered(conditions: Conditions): Conditions {
  return Object.fromEntries(OPERATOR_ORDER.filter((operator) => conditions[operator]).map((operator) => [operator, collapse(conditions[operator] as Record<string, string[]>)]));
}

/** A one-value list as a plain string, as people write it. */
function collapse(block: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(block).map(([key, values]) => [key, (values.length === 1 ? values[0] : values) as string[]]));
}

/** The trust policy that accepts exactly the tokens the rules accept, on the claims AWS sees. */
export function compileRules(rules: readonly ClaimRule[], target: TrustTarget, subject?: SubjectPart): CompiledTrust {
  const { bindings, fragments } = classify(rules, target.keys, subject);
  const audienceKey = `${target.keys.prefix}:aud`;
  const total = fragments.reduce((product, options) => product * options.length, 1);
  if (total > MAX_STATEMENTS) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `These rules would need ${total} trust-policy statements (alternatives that need different exclusions multiply).`,
      `Use fewer alternatives with * on the same claim, or ** where a pattern may span / and :, to stay within ${MAX_STATEMENTS}.`,
    );
  }
  const statements = combinations(fragments).flatMap((chosen) => {
    const conditions: Conditions = { StringEquals: { [audienceKey]: [exactValue(target.audience)] } };
    if (!chosen.every((fragment) => addFragment(conditions, fragment))) return [];
    return [{ Effect: 'Allow', Principal: { Federated: target.principal }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: ordered(conditions) }];
  });
  if (statements.length === 0) {
    throw new ClaimcheckError('INPUT_INVALID', 'The rules accept no token: rules on the same claim allow no common value (or none with this audience).', 'Check the rules on each claim for values that contradict each other.');
  }
  return { document: { Version: '2012-10-17', Statement: statements }, bindings };
}
