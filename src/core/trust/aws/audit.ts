// `claimcheck audit`: for each role that trusts an OIDC provider, does its trust policy pin
// the issuer's repositories or projects? `open`: a stranger (someone who picks a new name and
// is given new ids) gets in; `names-only`: only names that can be renamed or re-created keep
// strangers out; `pinned`: ids that never change hands do; `cannot-verify`: the answer turns
// on what claimcheck cannot see, or the policy is not one IAM would take. Decided as
// `--check` decides (the same statements, grammar and searches), per provider the role trusts.
import { TooComplex } from '../lang/nfa.js';
import { ANY_NONEMPTY } from '../grammar/pieces.js';
import { and, NO_TEXT, not, or, toDfa, type Lang } from '../lang/lang.js';
import { fieldsOf, type PinSpec, type TokenGrammar } from '../grammar/grammar.js';
import { accepts as dfaAccepts, isEmpty } from '../lang/dfa.js';
import { classifyPins, type PinVerdict } from '../pins.js';
import type { Witness } from '../solve.js';
import { acceptedByPolicy, OutOfBudget } from './accepted.js';
import type { AccountRole } from './account-roles.js';
import { checkGrantees } from './grantees.js';
import { issuerKeys } from './keys.js';
import { readPolicyDocument, type PolicyDocument } from './policy.js';
import { describeGrantee } from './principals.js';
import type { StatementView } from './statement-view.js';
import { setUp, type TrustProblem } from './trust-problem.js';

export type AuditVerdict = PinVerdict | 'cannot-verify';

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

function show(token: Witness | undefined, names: readonly string[]): string {
  if (!token) return '';
  return `, e.g. ${names.filter((name) => name in token.claims).map((name) => `${name}=${JSON.stringify(token.claims[name])}`).join(', ')}`;
}

function unknownReasons(problem: TrustProblem): string[] {
  return problem.views.filter((view) => !view.never).flatMap((view) => view.unknown.map((why) => `${view.label}: ${why}`));
}

/** Subjects of an issuer whose grammar claimcheck does not know: open only when every subject is accepted. */
function plainVerdict(problem: TrustProblem): { verdict: AuditVerdict; reasons: string[] } {
  const { alphabet } = problem.policy.session;
  const fixed = { aud: AUDIENCE, iss: problem.grammar.fields.iss?.example ?? '' } as Readonly<Record<string, string>>;
  const subjects = (view: StatementView, reading: 'definite' | 'possible'): Lang | undefined => {
    const others = view.preds.filter(([claim]) => claim !== 'sub');
    if (!others.every(([claim, pred]) => (claim in fixed ? pred.langs.every((lang) => dfaAccepts(toDfa(lang, alphabet), fixed[claim] as string)) : pred.missing))) return undefined;
    if (reading === 'definite' && view.effect === 'Allow' && view.unknown.length > 0) return undefined;
    if (reading === 'possible' && view.effect === 'Deny' && view.unknown.length > 0) return undefined;
    return and(ANY_NONEMPTY, ...view.preds.filter(([claim]) => claim === 'sub').flatMap(([, pred]) => pred.langs));
  };
  const accepted = (reading: 'definite' | 'possible'): Lang => {
    const allowed = problem.policy.allows.filter((view) => !view.never).flatMap((view) => subjects(view, reading) ?? []);
    const denied = problem.policy.denies.filter((view) => !view.never).flatMap((view) => subjects(view, reading) ?? []);
    return and(or(...allowed, NO_TEXT), not(or(...denied, NO_TEXT)));
  };
  const everySubject = (lang: Lang) => isEmpty(toDfa(and(ANY_NONEMPTY, not(lang)), alphabet));
  if (everySubject(accepted('definite'))) return { verdict: 'open', reasons: ['it accepts every subject of the issuer'] };
  if (everySubject(accepted('possible'))) return { verdict: 'cannot-verify', reasons: ['whether it accepts every subject turns on what claimcheck cannot see', ...unknownReasons(problem)] };
  if (isEmpty(toDfa(accepted('possible'), alphabet))) return { verdict: 'pinned', reasons: ['it accepts no token of the issuer'] };
  return { verdict: 'cannot-verify', reasons: ['claimcheck does not know the subject format of this issuer, so it cannot tell whether the subjects it accepts name one repository or project, by name or by id'] };
}

/** The subject and the claims that carry a pin (names and ids), to show in a reason. */
function pinClaims(grammar: TokenGrammar, pins: PinSpec): string[] {
  const fields = new Set([...pins.ids, ...pins.names]);
  const claims = Object.entries(grammar.shapes[0]?.claims ?? {}).filter(([claim, template]) => claim !== 'sub' && template && fieldsOf(template).some((field) => fields.has(field)));
  return ['sub', ...claims.map(([claim]) => claim)];
}

const REASONS: Readonly<Record<PinVerdict, string>> = {
  open: 'a stranger (a new name, new ids) is accepted',
  'names-only': 'only names that can be renamed or re-created keep strangers out (no id is pinned)',
  pinned: 'every token it accepts is pinned by an id that never changes hands',
};

function pinVerdict(problem: TrustProblem): { verdict: AuditVerdict; reasons: string[] } {
  const pins = problem.grammar.pins;
  if (!pins) return plainVerdict(problem);
  const exact = problem.views.every((view) => view.never || view.unknown.length === 0);
  const result = classifyPins(pins, (free, reading) => acceptedByPolicy(problem.policy, [], reading, free)?.token, exact);
  const names = pinClaims(problem.grammar, pins);
  if (result.verdict === undefined) {
    const [low, high] = result.range ?? ['pinned', 'open'];
    return { verdict: 'cannot-verify', reasons: [`it is ${low} or ${high}: that turns on what claimcheck cannot see`, ...unknownReasons(problem)] };
  }
  const reasons = [`${REASONS[result.verdict]}${result.verdict === 'pinned' ? '' : show(result.example, names)}`];
  if (result.acceptsNothing) reasons.push('it accepts no token of the issuer');
  return { verdict: result.verdict, reasons: [...reasons, ...unknownReasons(problem).map((why) => `whatever it holds, ${why}`)] };
}

function auditProvider(role: AccountRole, policy: PolicyDocument, issuer: string, arn: string): AuditEntry {
  const keys = issuerKeys(issuer);
  const reasons: string[] = [];
  for (const finding of checkGrantees({ policy, keys, providerArn: arn })) {
    reasons.push(finding.kind === 'grantee' ? `${finding.statement} also lets ${describeGrantee(finding.grantee)} assume the role` : `${finding.about}: ${finding.why.join('; ')}`);
  }
  try {
    const judged = pinVerdict(setUp({ policy, issuer, keys, audience: AUDIENCE, providerArn: arn }));
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
