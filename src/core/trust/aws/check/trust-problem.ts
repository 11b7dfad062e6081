// One trust question set up: the issuer's grammar (what it can issue), the policy's statements
// as its tokens' requests see them, the rules as languages, and one alphabet for all of them,
// so that every later search shares compiled automata.
import { grammarFor, platformOfIssuer, type GrammarPlatform } from '../../grammar/choose.js';
import { modelledClaims, subjectCarried, type TokenGrammar } from '../../grammar/grammar.js';
import { alphabetOf, charSetsOfLang, type Lang } from '../../lang/lang.js';
import { cutsOf } from '../../lang/alphabet.js';
import { ruleLang, type RuleLang } from '../../lang/rule-lang.js';
import { openSession } from '../../solve.js';
import type { ClaimRule } from '../../../rules/rules.js';
import type { Policy } from './accepted.js';
import { keyedClaims, type IssuerKeys, type KeyFamily } from '../iam/keys.js';
import type { PolicyDocument } from '../iam/policy.js';
import { coversAction, coversProvider, providerTest, WEB_IDENTITY } from '../iam/principals.js';
import { providerKeys, viewsFor, type StatementView } from '../iam/statement-view.js';

export interface TrustQuestion {
  readonly policy: PolicyDocument;
  readonly issuer: string;
  readonly keys: IssuerKeys;
  readonly audience: string;
  /** The platform the rules name; default: the issuer's, else the condition keys'. */
  readonly platform?: GrammarPlatform | undefined;
  /** The provider's exact ARN when the role is known (audit); else any account's provider of the issuer. */
  readonly providerArn?: string | undefined;
}

export interface RuleView {
  readonly rule: ClaimRule;
  /** Undefined when AWS cannot see the claim: neither a condition key nor part of the subject. */
  readonly lang: RuleLang | undefined;
}

export interface TrustProblem {
  readonly grammar: TokenGrammar;
  readonly views: readonly StatementView[];
  readonly policy: Policy;
  readonly rules: readonly RuleView[];
}

/** Searches one question may spend before its answer becomes "cannot decide". */
export const SEARCH_BUDGET = 20_000;

const FAMILY_PLATFORM: Readonly<Partial<Record<KeyFamily, GrammarPlatform>>> = { github: 'github', circleci: 'circleci', gitlab: 'gitlab', buildkite: 'buildkite' };

export function grammarOf(question: Pick<TrustQuestion, 'issuer' | 'keys' | 'audience' | 'platform'>): TokenGrammar {
  const platform = question.platform ?? platformOfIssuer(question.issuer) ?? FAMILY_PLATFORM[question.keys.family];
  return grammarFor(question.issuer, question.audience, { platform, githubCloud: question.keys.family === 'github' ? true : undefined });
}

/**
 * The claims AWS can see for the issuer: its condition keys, and the claims the subject is
 * built from (or that follow from the token's shape, such as GitLab's ref_type).
 */
const visibleCache = new WeakMap<TokenGrammar, Map<string, ReadonlySet<string>>>();

export function visibleClaims(grammar: TokenGrammar, keys: IssuerKeys): ReadonlySet<string> {
  let perFamily = visibleCache.get(grammar);
  if (!perFamily) visibleCache.set(grammar, (perFamily = new Map()));
  let visible = perFamily.get(keys.family);
  if (!visible) perFamily.set(keys.family, (visible = computeVisible(grammar, keys)));
  return visible;
}

function computeVisible(grammar: TokenGrammar, keys: IssuerKeys): Set<string> {
  return new Set([...keyedClaims(keys).filter((claim) => modelledClaims(grammar).has(claim)), ...subjectCarried(grammar)]);
}

const cutsCache = new WeakMap<TokenGrammar, ReadonlySet<number>>();

/** Where the grammar's character sets cut the universe (once per grammar). */
function grammarCuts(grammar: TokenGrammar): ReadonlySet<number> {
  let cuts = cutsCache.get(grammar);
  if (!cuts) cutsCache.set(grammar, (cuts = cutsOf(Object.values(grammar.fields).flatMap((field) => [...charSetsOfLang(field.lang)]))));
  return cuts;
}

export function setUp(question: TrustQuestion, rules: readonly ClaimRule[] = []): TrustProblem {
  const grammar = grammarOf(question);
  const isProvider = providerTest(question.keys.prefix, question.providerArn);
  const resolve = providerKeys(question.keys.prefix, keyedClaims(question.keys), modelledClaims(grammar));
  const views = viewsFor(question.policy, (statement) => coversProvider(statement, isProvider) && coversAction(statement, WEB_IDENTITY), resolve);
  const visible = rules.length > 0 ? visibleClaims(grammar, question.keys) : new Set<string>();
  const ruleViews = rules.map((rule) => ({ rule, lang: visible.has(rule.claim) ? ruleLang(rule) : undefined }));
  const langs: Lang[] = [
    ...views.flatMap((view) => view.preds.flatMap(([, pred]) => pred.langs)),
    ...ruleViews.flatMap((view) => (view.lang && 'lang' in view.lang ? [view.lang.lang] : [])),
  ];
  const session = openSession(grammar, alphabetOf(langs, grammarCuts(grammar)));
  const policy: Policy = {
    session,
    allows: views.filter((view) => view.effect === 'Allow'),
    denies: views.filter((view) => view.effect === 'Deny'),
    budget: SEARCH_BUDGET,
  };
  return { grammar, views, policy, rules: ruleViews };
}
