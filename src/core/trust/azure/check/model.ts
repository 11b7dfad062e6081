// What one federated credential admits, as languages over a token's claims: an exact credential
// wants `sub` to equal its subject; a flexible one wants each clause of its expression to hold
// (expression.ts). Both readings are kept (definite: surely admitted; possible: perhaps
// admitted), with what claimcheck cannot decide named: a clause on a claim Entra does not
// document for the issuer, or that claimcheck's model of the issuer's tokens does not hold, or
// an expression it cannot read. Issuer and audience are matched by the caller (exactly).
import { modelledClaims, type TokenGrammar } from '../../grammar/grammar.js';
import { exactly } from '../../grammar/pieces.js';
import type { Lang } from '../../lang/lang.js';
import { flexibleSupport } from '../issuers.js';
import { clauseLang, hasWildcard, parseExpression, type Clause, type Reading } from './expression.js';
import type { LiveCredential } from './live-credentials.js';

/** A claim's value must be in the language. */
export type ClaimLang = readonly [claim: string, lang: Lang];

export interface CredentialModel {
  readonly credential: LiveCredential;
  /** The clauses in the wider reading; unknown clauses left out (taken to hold). */
  readonly possible: readonly ClaimLang[];
  /** The clauses in the narrower reading; undefined when an unknown clause may not hold. */
  readonly definite: readonly ClaimLang[] | undefined;
  /** Why the two readings differ, when they do. */
  readonly unknown: readonly string[];
  /** Which clauses can make the token fail (to refuse it surely): the possible ones. */
  readonly clauses: readonly ClaimLang[];
}

const WILDCARD_DOUBT = "Entra does not document whether * matches an empty run, nor how ? counts a character outside the BMP";

function clauseDoubt(clause: Clause, issuer: string, grammar: TokenGrammar): string | undefined {
  const support = flexibleSupport(issuer);
  const shown = `claims['${clause.claim}'] ${clause.operator}`;
  if (!support) return `Entra documents flexible credentials for GitHub, GitLab and Terraform Cloud issuers only, so how it reads ${shown} for ${issuer} is unknown`;
  const allowed = support.claims[clause.claim];
  if (allowed === undefined || (clause.operator === 'matches' && allowed === 'eq')) return `Entra documents no ${shown} for this issuer`;
  if (!modelledClaims(grammar).has(clause.claim)) return `claimcheck's model of ${grammar.platform} tokens has no ${clause.claim} claim`;
  return undefined;
}

function flexibleModel(credential: LiveCredential, expression: NonNullable<LiveCredential['expression']>, issuer: string, grammar: TokenGrammar): CredentialModel {
  const parsed = parseExpression(expression.value, expression.languageVersion);
  if ('unreadable' in parsed) return { credential, possible: [], definite: undefined, unknown: [`${credential.name}: ${parsed.unreadable}`], clauses: [] };
  const unknown: string[] = [];
  const known: Clause[] = [];
  for (const clause of parsed.clauses) {
    const doubt = clauseDoubt(clause, issuer, grammar);
    if (doubt === undefined) known.push(clause);
    else unknown.push(`${credential.name}: ${doubt}`);
  }
  const sure = unknown.length === 0;
  const reading = (which: Reading): ClaimLang[] => known.map((clause) => [clause.claim, clauseLang(clause, which)] as const);
  const possible = reading('possible');
  const wild = known.some(hasWildcard);
  if (wild) unknown.push(`${credential.name}: ${WILDCARD_DOUBT}`);
  return { credential, possible, definite: sure ? (wild ? reading('definite') : possible) : undefined, unknown, clauses: possible };
}

/** The model of a credential of the issuer, for tokens of the grammar. */
export function modelOf(credential: LiveCredential, issuer: string, grammar: TokenGrammar): CredentialModel {
  if (credential.expression) return flexibleModel(credential, credential.expression, issuer, grammar);
  const subject: ClaimLang[] = [['sub', exactly(credential.subject ?? '')]];
  return { credential, possible: subject, definite: subject, unknown: [], clauses: subject };
}

/** Whether the two readings are one (nothing undecided about this credential). */
export function isExact(model: CredentialModel): boolean {
  return model.unknown.length === 0;
}
