// The tokens one audience's credentials see: Entra compares `aud` with each credential's
// audiences, and a job asks its issuer for whatever audience it likes, so each audience a
// credential names is a world of its own — the issuer's grammar with that `aud`, the
// credentials that list it, one alphabet for all their languages and the rules' — where the
// solver (../../solve.ts) answers "which token meets these wants", exactly.
import { grammarFor, type GrammarPlatform } from '../../grammar/choose.js';
import type { TokenGrammar } from '../../grammar/grammar.js';
import { cutsOf } from '../../lang/alphabet.js';
import { isEmpty } from '../../lang/dfa.js';
import { alphabetOf, ANY_TEXT, charSetsOfLang, toDfa, type Lang } from '../../lang/lang.js';
import { openSession, solve, type Constraint, type Session, type Witness } from '../../solve.js';
import type { LiveCredential } from './live-credentials.js';
import { modelOf, type CredentialModel } from './model.js';

export interface World {
  readonly audience: string;
  readonly grammar: TokenGrammar;
  readonly session: Session;
  /** The issuer's credentials that list this audience. */
  readonly models: readonly CredentialModel[];
}

/** A claim's value must be in the language; `missing`: or the claim may be absent. */
export type Want = readonly [claim: string, lang: Lang, missing: boolean];

export interface WorldSpec {
  readonly issuer: string;
  readonly platform: GrammarPlatform | undefined;
  /** The credentials of the issuer (others never admit its tokens). */
  readonly credentials: readonly LiveCredential[];
  /** Every language the questions will ask about (the rules'), so the alphabet tells them apart. */
  readonly langs: readonly Lang[];
}

export function openWorld(spec: WorldSpec, audience: string): World {
  const grammar = grammarFor(spec.issuer, audience, { platform: spec.platform });
  const models = spec.credentials.filter((credential) => credential.audiences.includes(audience)).map((credential) => modelOf(credential, spec.issuer, grammar));
  const langs = [...spec.langs, ...models.flatMap((model) => [...model.possible, ...(model.definite ?? [])].map(([, lang]) => lang))];
  const cuts = cutsOf(Object.values(grammar.fields).flatMap((field) => [...charSetsOfLang(field.lang)]));
  return { audience, grammar, models, session: openSession(grammar, alphabetOf(langs, cuts)) };
}

/** A token of the world's grammar that meets every want, or undefined; `infinite`: fields a stranger picks (pins.ts). */
export function find(world: World, wants: readonly Want[], infinite?: ReadonlySet<string>): Witness | undefined {
  const byClaim = new Map<string, { langs: Lang[]; missing: boolean }>();
  for (const [claim, lang, missing] of wants) {
    const before = byClaim.get(claim);
    byClaim.set(claim, before ? { langs: [...before.langs, lang], missing: before.missing && missing } : { langs: [lang], missing });
  }
  const constraints = new Map<string, Constraint>();
  for (const [claim, { langs, missing }] of byClaim) {
    const dfas = (langs.length > 0 ? langs : [ANY_TEXT]).map((lang) => toDfa(lang, world.session.alphabet));
    if (!missing && dfas.some(isEmpty)) return undefined;
    constraints.set(claim, { dfas, missing });
  }
  return solve(world.session, constraints, infinite);
}

/** The wants of a credential's clauses, in a reading (never missing: a clause on an absent claim fails). */
export function admitted(clauses: readonly (readonly [string, Lang])[]): Want[] {
  return clauses.map(([claim, lang]) => [claim, lang, false] as const);
}
