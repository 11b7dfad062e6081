// Claim rules as CEL over `assertion` (the token's claims), the language of a Workload
// Identity Federation provider's attribute mapping and condition. Every value becomes a CEL
// string literal with every quote, backslash and unprintable character escaped, so that no
// claim or rule value can close the string; globs become anchored RE2 for matches(), and
// exact values `==`, `in` or `startsWith`.
import type { Alternative, ClaimRule, PatternToken } from '../../rules/rules.js';
import { CelCompileError } from './cel-error.js';
import { re2FromJavaScript } from './re2.js';

export { CelCompileError } from './cel-error.js';

/** CEL's reserved words, which cannot follow a `.` as a field name. */
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A CEL string literal: double quotes, printable ASCII as is, everything else escaped. */
export function celString(text: string): string {
  let body = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) throw new CelCompileError(`the value ${JSON.stringify(text.slice(0, 80))} holds a lone surrogate, which no CEL string can`);
    if (char === '"' || char === '\\') body += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) body += char;
    else body += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `"${body}"`;
}

/** How CEL reads a claim: `assertion.ref`, or `assertion["oidc.circleci.com/project-id"]`. */
export function celClaim(claim: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(claim) && !RESERVED.has(claim) ? `assertion.${claim}` : `assertion[${celString(claim)}]`;
}

/** Claims whose values are lists (a rule holds when any element matches) or not strings. */
const LIST_CLAIMS = new Set(['oidc.circleci.com/context-ids', 'groups_direct']);
const NON_STRING_CLAIMS = new Set(['oidc.circleci.com/ssh-rerun', 'compliant', 'build_number']);

/** RE2 syntax characters, escaped in literal text (the same set JavaScript's u mode accepts escaped). */
const RE2_SPECIAL = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

export function re2Literal(text: string): string {
  return Array.from(text, (char) => (RE2_SPECIAL.has(char) ? `\\${char}` : char)).join('');
}

/** A glob as an anchored RE2 pattern: `*` stays within a segment (not / or :), `**` takes anything, newlines too. */
export function globRe2(tokens: readonly PatternToken[]): string {
  const body = tokens.map((token) => ('literal' in token ? re2Literal(token.literal) : token.star === 'segment' ? '[^/:]*' : '(?s:.*)')).join('');
  return `^(?:${body})$`;
}

/** The literal text of a glob without wildcards, or of the part before a single trailing `**`. */
function literalText(tokens: readonly PatternToken[]): string | undefined {
  return tokens.every((token) => 'literal' in token) ? tokens.map((token) => (token as { literal: string }).literal).join('') : undefined;
}

/** One alternative as a CEL test of `value` (an expression of a string). */
function alternativeCel(alternative: Alternative, value: string): string {
  if ('exact' in alternative) return `${value} == ${celString(alternative.exact)}`;
  if ('regex' in alternative) return `${value}.matches(${celString(`^(?:${re2FromJavaScript(alternative.regex.source)})$`)})`;
  const exact = literalText(alternative.glob);
  if (exact !== undefined) return `${value} == ${celString(exact)}`;
  const last = alternative.glob.at(-1);
  const prefix = literalText(alternative.glob.slice(0, -1));
  if (last !== undefined && 'star' in last && last.star === 'any' && prefix !== undefined) return `${value}.startsWith(${celString(prefix)})`;
  return `${value}.matches(${celString(globRe2(alternative.glob))})`;
}

/** The exact value an alternative stands for, when it is one. */
function exactValue(alternative: Alternative): string | undefined {
  if ('exact' in alternative) return alternative.exact;
  return 'glob' in alternative ? literalText(alternative.glob) : undefined;
}

/** The rule's alternatives on one string value: `==`, `in [...]` for several exact values, else each test joined by `||`. */
function alternativesCel(alternatives: readonly Alternative[], value: string): string {
  const exact = alternatives.map(exactValue);
  if (alternatives.length > 1 && exact.every((item) => item !== undefined)) return `${value} in [${exact.map((item) => celString(item as string)).join(', ')}]`;
  const tests = alternatives.map((alternative) => alternativeCel(alternative, value));
  return tests.length === 1 ? (tests[0] as string) : `(${tests.join(' || ')})`;
}

/** A claim rule as CEL over `assertion`, holding exactly when claimcheck's check holds. */
export function ruleCel(rule: ClaimRule): string {
  const claim = celClaim(rule.claim);
  if (LIST_CLAIMS.has(rule.claim)) return `${claim}.exists(v, ${alternativesCel(rule.alternatives, 'string(v)')})`;
  return alternativesCel(rule.alternatives, NON_STRING_CLAIMS.has(rule.claim) ? `string(${claim})` : claim);
}

/** The rule guarded so that a token without the claim makes it false rather than an error (for ternaries). */
export function guardedRuleCel(rule: ClaimRule): string {
  return `${celString(rule.claim)} in assertion && ${ruleCel(rule)}`;
}
