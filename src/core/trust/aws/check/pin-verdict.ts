// Whether a trust policy pins the issuer's repositories or projects (pins.ts, over the IAM
// statements), for `audit` and for `--check` alike: `open`, `names-only`, `pinned`, or
// `cannot-verify`. For an issuer whose subject format claimcheck does not know, `open` means
// that every subject is accepted; anything narrower cannot be told apart from a pin.
import { ANY_NONEMPTY } from '../../grammar/pieces.js';
import { and, NO_TEXT, not, or, toDfa, type Lang } from '../../lang/lang.js';
import { fieldsOf, type PinSpec, type TokenGrammar } from '../../grammar/grammar.js';
import { accepts as dfaAccepts, isEmpty } from '../../lang/dfa.js';
import { classifyPins, type PinVerdict } from '../../pins.js';
import type { Witness } from '../../solve.js';
import { acceptedByPolicy } from './accepted.js';
import type { StatementView } from '../iam/statement-view.js';
import type { TrustProblem } from './trust-problem.js';

export type PinOutcome = PinVerdict | 'cannot-verify';

export interface PinJudgement {
  readonly verdict: PinOutcome;
  readonly reasons: readonly string[];
  /** What is pinned: repository, project, pipeline, workspace; `subject` for an issuer of unknown format. */
  readonly noun: string;
  /** A stranger's token: accepted (open), or accepted if what claimcheck cannot see allows it. */
  readonly stranger?: Readonly<Record<string, string>>;
  /** cannot-verify, and one of the possibilities is open. */
  readonly mayBeOpen: boolean;
}

const STRANGER_SUBJECT = 'someone-else';

function show(token: Witness | undefined, names: readonly string[]): string {
  if (!token) return '';
  return `, e.g. ${names.filter((name) => name in token.claims).map((name) => `${name}=${JSON.stringify(token.claims[name])}`).join(', ')}`;
}

export function unknownReasons(problem: TrustProblem): string[] {
  return problem.views.filter((view) => !view.never).flatMap((view) => view.unknown.map((why) => `${view.label}: ${why}`));
}

type Reading = 'definite' | 'possible';

/** The subjects a statement accepts when its other conditions hold for a plain token (aud and iss only). */
function subjectsOf(problem: TrustProblem, view: StatementView, reading: Reading): Lang | undefined {
  const { alphabet } = problem.policy.session;
  const fixed = { aud: problem.grammar.fields.aud?.example ?? '', iss: problem.grammar.fields.iss?.example ?? '' } as Readonly<Record<string, string>>;
  const others = view.preds.filter(([claim]) => claim !== 'sub');
  if (!others.every(([claim, pred]) => (claim in fixed ? pred.langs.every((lang) => dfaAccepts(toDfa(lang, alphabet), fixed[claim] as string)) : pred.missing))) return undefined;
  // An Allow that turns on an unknown is not surely met; a Deny that does may not apply.
  if (reading === 'definite' && view.effect === 'Allow' && view.unknown.length > 0) return undefined;
  if (reading === 'possible' && view.effect === 'Deny' && view.unknown.length > 0) return undefined;
  return and(ANY_NONEMPTY, ...view.preds.filter(([claim]) => claim === 'sub').flatMap(([, pred]) => pred.langs));
}

/** Subjects of an issuer whose grammar claimcheck does not know: open only when every subject is accepted. */
function plainJudgement(problem: TrustProblem): PinJudgement {
  const { alphabet } = problem.policy.session;
  const accepted = (reading: Reading): Lang => {
    const allowed = problem.policy.allows.filter((view) => !view.never).flatMap((view) => subjectsOf(problem, view, reading) ?? []);
    const denied = problem.policy.denies.filter((view) => !view.never).flatMap((view) => subjectsOf(problem, view, reading) ?? []);
    return and(or(...allowed, NO_TEXT), not(or(...denied, NO_TEXT)));
  };
  const everySubject = (lang: Lang) => isEmpty(toDfa(and(ANY_NONEMPTY, not(lang)), alphabet));
  const stranger = { sub: STRANGER_SUBJECT, aud: problem.grammar.fields.aud?.example ?? '' };
  const base = { noun: 'subject', mayBeOpen: false };
  if (everySubject(accepted('definite'))) return { ...base, verdict: 'open', reasons: ['it accepts every subject of the issuer'], stranger };
  if (everySubject(accepted('possible'))) return { ...base, verdict: 'cannot-verify', mayBeOpen: true, stranger, reasons: ['whether it accepts every subject turns on what claimcheck cannot see', ...unknownReasons(problem)] };
  if (isEmpty(toDfa(accepted('possible'), alphabet))) return { ...base, verdict: 'pinned', reasons: ['it accepts no token of the issuer'] };
  return { ...base, verdict: 'cannot-verify', reasons: ['claimcheck does not know the subject format of this issuer, so it cannot tell whether the subjects it accepts name one repository or project, by name or by id'] };
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

/** The verdict on the pins of one provider's statements. */
export function judgePins(problem: TrustProblem): PinJudgement {
  const pins = problem.grammar.pins;
  if (!pins) return plainJudgement(problem);
  const exact = problem.views.every((view) => view.never || view.unknown.length === 0);
  const result = classifyPins(pins, (free, reading) => acceptedByPolicy(problem.policy, [], reading, free)?.token, exact);
  const names = pinClaims(problem.grammar, pins);
  if (result.verdict === undefined) {
    const [low, high] = result.range ?? ['pinned', 'open'];
    const mayBeOpen = high === 'open';
    return { verdict: 'cannot-verify', noun: pins.noun, mayBeOpen, ...(mayBeOpen && result.example ? { stranger: result.example.claims } : {}), reasons: [`it is ${low} or ${high}: that turns on what claimcheck cannot see`, ...unknownReasons(problem)] };
  }
  const reasons = [`${REASONS[result.verdict]}${result.verdict === 'pinned' ? '' : show(result.example, names)}`];
  if (result.acceptsNothing) reasons.push('it accepts no token of the issuer');
  return {
    verdict: result.verdict,
    noun: pins.noun,
    mayBeOpen: false,
    ...(result.verdict === 'open' && result.example ? { stranger: result.example.claims } : {}),
    reasons: [...reasons, ...unknownReasons(problem).map((why) => `whatever it holds, ${why}`)],
  };
}
