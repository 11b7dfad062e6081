// CEL as Google evaluates a provider's attribute mapping and condition, with @bufbuild/cel
// (a maintained implementation tested against cel-spec's conformance suite; its matches() is
// an RE2 port): the token's claims as `assertion`, the mapped attributes as `attribute` and
// `google`.
import { isCelError, run, type CelInput } from '@bufbuild/cel';

export type CelOutcome = { readonly value: unknown } | { readonly error: string };

/** A JSON value as CEL input: objects become maps, integers stay numbers (CEL doubles). */
function celValue(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(celValue);
  if (typeof value === 'object' && value !== null) return new Map(Object.entries(value).map(([key, item]) => [key, celValue(item)]));
  return value as CelInput;
}

export function evaluateCel(expression: string, bindings: Record<string, unknown>): CelOutcome {
  const result = run(expression, Object.fromEntries(Object.entries(bindings).map(([name, value]) => [name, celValue(value)])));
  return isCelError(result) ? { error: result.message } : { value: result };
}

export interface ProviderRules {
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly attributeCondition?: string | undefined;
}

export type Admission =
  | { readonly admitted: true; readonly attributes: Record<string, string>; readonly subject: string }
  | { readonly admitted: false; readonly why: 'mapping' | 'subject-too-long' | 'condition'; readonly detail: string };

/** What Google does with a verified token's claims: map the attributes (google.subject required, ≤ 127 bytes), then check the condition. */
export function admit(provider: ProviderRules, claims: Record<string, unknown>): Admission {
  const attributes: Record<string, string> = {};
  for (const [key, expression] of Object.entries(provider.attributeMapping)) {
    const outcome = evaluateCel(expression, { assertion: claims });
    if ('error' in outcome) return { admitted: false, why: 'mapping', detail: `${key}: ${outcome.error}` };
    attributes[key] = String(outcome.value);
  }
  const subject = attributes['google.subject'];
  if (subject === undefined) return { admitted: false, why: 'mapping', detail: 'google.subject is not mapped' };
  if (Buffer.byteLength(subject) > 127) return { admitted: false, why: 'subject-too-long', detail: 'The size of mapped attribute google.subject exceeds the 127 bytes limit.' };
  if (provider.attributeCondition) {
    const custom = Object.fromEntries(Object.entries(attributes).filter(([key]) => key.startsWith('attribute.')).map(([key, value]) => [key.slice('attribute.'.length), value]));
    const outcome = evaluateCel(provider.attributeCondition, { assertion: claims, attribute: custom, google: { subject } });
    if ('error' in outcome || outcome.value !== true) return { admitted: false, why: 'condition', detail: 'error' in outcome ? outcome.error : 'false' };
  }
  return { admitted: true, attributes, subject };
}
