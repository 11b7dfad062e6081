// `trust-policy --cloud azure --check`: do an app's federated credentials admit a token the
// issuer could issue and the rules refuse? Entra admits a token when its `iss` equals a
// credential's issuer, its `aud` is one of the credential's audiences, and its `sub` equals
// the subject (or the flexible expression holds). Every credential, every audience and every
// rule is a regular language over the issuer's grammar, so each question has an exact answer,
// with a token when it is yes (world.ts, ../../solve.ts):
// - FAIL: a credential admits a token a rule refuses (a gap); a credential trusts another
//   issuer (its tokens never meet the rules); the credentials pin no repository or project of
//   the issuer (without --allow-unpinned); or none admits a token the rules allow;
// - cannot verify: the answer turns on what claimcheck cannot read (an expression beyond what
//   Entra documents, a clause on a claim its model of the tokens does not hold, a rule on such
//   a claim or with no automaton), or the list is not one Entra would hold;
// - OK: none of these. Tokens the rules allow that no credential admits are a note.
// As for AWS, a rule on a claim Entra never sees (neither in the subject nor a claim a flexible
// credential of the issuer may name, such as GitHub's actor or sha) is one only claimcheck
// checks: listed as such, not a gap, since no credential could hold a job to it.
import { checkClaimRules, type ClaimRule } from '../../../rules/rules.js';
import type { GrammarPlatform } from '../../grammar/choose.js';
import { modelledClaims, subjectCarried, type TokenGrammar } from '../../grammar/grammar.js';
import { flexibleSupport } from '../issuers.js';
import { ANY_TEXT, not, type Lang } from '../../lang/lang.js';
import { TooComplex } from '../../lang/nfa.js';
import { ruleLang } from '../../lang/rule-lang.js';
import type { LiveCredential, LiveCredentials } from './live-credentials.js';
import { isExact, type CredentialModel } from './model.js';
import { judgeCredentialPins } from './pins.js';
import { admitted, find, openWorld, type Want, type World } from './world.js';
import { verdictFrom, type Verdict } from '../../verdict.js';

export type Claims = Readonly<Record<string, string>>;

export type Finding =
  | { readonly kind: 'gap'; readonly credential: string; readonly rule: ClaimRule; readonly token: Claims }
  | { readonly kind: 'other-issuer'; readonly credential: string; readonly issuer: string }
  | { readonly kind: 'never-matches'; readonly credential: string; readonly issuer: string }
  | { readonly kind: 'unpinned'; readonly noun: string; readonly token: Claims }
  | { readonly kind: 'unusable'; readonly why: string }
  | { readonly kind: 'unreadable'; readonly problems: readonly string[] }
  | { readonly kind: 'undecided'; readonly about: string; readonly why: readonly string[]; readonly token?: Claims }
  | { readonly kind: 'narrower'; readonly token: Claims };

export type { Verdict };

export interface AzureCheckInput {
  readonly credentials: LiveCredentials;
  readonly rules: readonly ClaimRule[];
  /** The issuer the rules are for. */
  readonly issuer: string;
  /** The audience claimcheck asks tokens for (the jobs the rules were written for). */
  readonly audience: string;
  readonly platform?: GrammarPlatform | undefined;
  readonly allowUnpinned?: boolean;
}

export interface AzureCheckResult {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** A token the rules allow and a credential admits, when one was found. */
  readonly witness: Claims | undefined;
  /** Rules on claims Entra never sees: checked by claimcheck only, whatever the credentials say. */
  readonly claimcheckOnly: readonly ClaimRule[];
  readonly grammar: TokenGrammar;
}

const FAILING = new Set<Finding['kind']>(['gap', 'other-issuer', 'unpinned', 'unusable']);

export function verdictOf(findings: readonly Finding[]): Verdict {
  return verdictFrom(findings, FAILING);
}

interface RuleView {
  readonly rule: ClaimRule;
  /** The rule's language; a reason when it has none or its claim is outside the model. */
  readonly lang: Lang | { readonly why: string };
}

function ruleViews(rules: readonly ClaimRule[], grammar: TokenGrammar): RuleView[] {
  return rules.map((rule) => {
    if (!modelledClaims(grammar).has(rule.claim)) return { rule, lang: { why: `claimcheck's model of ${grammar.platform} tokens has no ${rule.claim} claim, and Entra matches only the issuer, the audience and the subject (or a flexible credential's documented claims)` } };
    const built = ruleLang(rule);
    return { rule, lang: 'lang' in built ? built.lang : { why: `the rule ${rule.source}: ${built.unsupported}` } };
  });
}

const has = (view: RuleView): view is RuleView & { lang: Lang } => !('why' in view.lang);
const whyOf = (view: RuleView): string | undefined => ('why' in view.lang ? view.lang.why : undefined);

/** Gaps in one world: for each credential and rule, a token admitted that breaks the rule. */
function gaps(world: World, views: readonly RuleView[]): Finding[] {
  const findings: Finding[] = [];
  for (const model of world.models) {
    if (!find(world, admitted(model.possible))) {
      findings.push({ kind: 'undecided', about: `whom ${model.credential.name} admits`, why: [`${model.credential.name} matches no token of claimcheck's model of ${world.grammar.platform} tokens (a customised subject template, or a mistake): who the issuer gives such a token to is not known`] });
      continue;
    }
    for (const view of views) {
      if (!has(view)) {
        findings.push({ kind: 'undecided', about: `whether ${model.credential.name} admits a token that breaks ${view.rule.source}`, why: [whyOf(view) ?? ''] });
        continue;
      }
      const broken: Want = [view.rule.claim, not(view.lang), true];
      const definite = model.definite ? find(world, [...admitted(model.definite), broken]) : undefined;
      if (definite) {
        findings.push({ kind: 'gap', credential: model.credential.name, rule: view.rule, token: definite.claims });
        continue;
      }
      const possible = isExact(model) ? undefined : find(world, [...admitted(model.possible), broken]);
      if (possible) findings.push({ kind: 'undecided', about: `whether ${model.credential.name} admits a token that breaks ${view.rule.source}`, why: model.unknown, token: possible.claims });
    }
  }
  return dedupeUndecided(findings);
}

/** One "rule outside the model" finding per rule, not one per credential. */
function dedupeUndecided(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    if (finding.kind !== 'undecided' || finding.token) return true;
    const key = finding.why.join('\n');
    return !seen.has(key) && seen.add(key) !== undefined;
  });
}

function metWants(views: readonly RuleView[]): Want[] {
  return views.flatMap((view): Want[] => (has(view) ? [[view.rule.claim, view.lang, false]] : whyOf(view)?.startsWith('the rule ') ? [[view.rule.claim, ANY_TEXT, false]] : []));
}

/** A token the rules allow that a credential admits; the finding when there is none, or it depends. */
function usable(world: World, views: readonly RuleView[]): { witness: Claims | undefined; finding: Finding | undefined } {
  if (world.models.length === 0) return { witness: undefined, finding: { kind: 'unusable', why: `no credential of the issuer lists the audience ${world.audience}, which claimcheck asks tokens for` } };
  const met = metWants(views);
  const rules = views.map((view) => view.rule).filter((rule) => modelledClaims(world.grammar).has(rule.claim));
  for (const model of world.models) {
    const token = model.definite ? find(world, [...admitted(model.definite), ...met]) : undefined;
    // A rule with no automaton was taken as "any value": the real rule decides.
    if (token && checkClaimRules(rules, token.claims).every((result) => result.held)) return { witness: token.claims, finding: undefined };
  }
  for (const model of world.models) {
    const token = find(world, [...admitted(model.possible), ...met]);
    if (token) return { witness: undefined, finding: { kind: 'undecided', about: 'whether the credentials admit any token the rules allow', why: [...new Set(world.models.flatMap((entry) => entry.unknown)), ...views.flatMap((view) => whyOf(view) ?? [])], token: token.claims } };
  }
  return { witness: undefined, finding: { kind: 'unusable', why: 'no credential admits a token the rules allow' } };
}

/** Steps (choices tried) before the note on tokens the credentials refuse gives up. */
const MAX_STEPS = 400;

/** A token the rules allow that every credential surely refuses (it fails a clause of each, in the wider reading). */
function narrower(world: World, views: readonly RuleView[]): Claims | undefined {
  const models = world.models;
  if (models.some((model) => model.clauses.length === 0)) return undefined;
  let steps = 0;
  const pick = (index: number, chosen: readonly Want[]): Claims | undefined => {
    if (++steps > MAX_STEPS) return undefined;
    if (index === models.length) return find(world, chosen)?.claims;
    for (const [claim, lang] of (models[index] as CredentialModel).clauses) {
      const found = pick(index + 1, [...chosen, [claim, not(lang), true]]);
      if (found) return found;
    }
    return undefined;
  };
  return pick(0, metWants(views));
}

/** The issuer without trailing slashes: the same issuer's host, which never signs tokens with the other spelling. */
const bare = (issuer: string) => issuer.replace(/\/+$/, '');

function otherIssuers(credentials: readonly LiveCredential[], issuer: string): Finding[] {
  return credentials
    .filter((credential) => credential.issuer !== issuer)
    .map((credential) => ({ kind: bare(credential.issuer) === bare(issuer) ? 'never-matches' : 'other-issuer', credential: credential.name, issuer: credential.issuer }));
}

function decide(input: AzureCheckInput, own: readonly LiveCredential[], home: World): { findings: Finding[]; witness: Claims | undefined } {
  const views = ruleViews(input.rules, home.grammar);
  const spec = { issuer: input.issuer, platform: input.platform, credentials: own, langs: views.flatMap((view) => (has(view) ? [view.lang] : [])) };
  const audiences = [...new Set([input.audience, ...own.flatMap((credential) => credential.audiences)])];
  const worlds = audiences.map((audience) => openWorld(spec, audience));
  const main = worlds[0] as World;
  const { witness, finding } = usable(main, views);
  const findings: Finding[] = [...otherIssuers(input.credentials.credentials, input.issuer), ...worlds.flatMap((world) => gaps(world, views)), ...judgeCredentialPins(worlds, input.allowUnpinned === true), ...(finding ? [finding] : [])];
  // When no token the rules allow gets in, "some are refused" says nothing more.
  const note = finding?.kind === 'unusable' ? undefined : narrower(main, views);
  if (note) findings.push({ kind: 'narrower', token: note });
  return { findings, witness };
}

/** The claims Entra can hold a token to for this issuer: the issuer and audience it matches, what the subject carries, and what a flexible credential may name. */
function entraSees(issuer: string, grammar: TokenGrammar): ReadonlySet<string> {
  return new Set(['iss', 'aud', ...subjectCarried(grammar), ...Object.keys(flexibleSupport(issuer)?.claims ?? {})]);
}

export function checkCredentials(input: AzureCheckInput): AzureCheckResult {
  const own = input.credentials.credentials.filter((credential) => credential.issuer === input.issuer);
  const home = openWorld({ issuer: input.issuer, platform: input.platform, credentials: [], langs: [] }, input.audience);
  const seen = entraSees(input.issuer, home.grammar);
  const claimcheckOnly = input.rules.filter((rule) => !seen.has(rule.claim));
  const result = (verdict: Verdict, findings: Finding[], witness: Claims | undefined): AzureCheckResult => ({ verdict, findings, witness, claimcheckOnly, grammar: home.grammar });
  if (input.credentials.problems.length > 0) return result('cannot-verify', [{ kind: 'unreadable', problems: input.credentials.problems }], undefined);
  try {
    const { findings, witness } = decide({ ...input, rules: input.rules.filter((rule) => !claimcheckOnly.includes(rule)) }, own, home);
    return result(verdictOf(findings), findings, witness);
  } catch (error) {
    if (!(error instanceof TooComplex)) throw error;
    return result('cannot-verify', [{ kind: 'undecided', about: 'the credentials', why: [`their languages need ${error.message}, more than claimcheck builds for one check`] }], undefined);
  }
}
