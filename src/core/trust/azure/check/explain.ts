// `claimcheck explain --azure-credentials FILE`: one token against an app's federated
// credentials, as Entra compares them — which credential admits it, and for each other one
// the first field that differs (issuer, audience, subject or an expression's clause) — and
// whether that agrees with the rules. A flexible credential is read exactly as the check reads
// it (model.ts), so explain and --check never disagree; what Entra does not document is
// "perhaps", never a yes.
import { grammarFor } from '../../grammar/choose.js';
import { exactly } from '../../grammar/pieces.js';
import { accepts } from '../../lang/dfa.js';
import { alphabetOf, toDfa, type Lang } from '../../lang/lang.js';
import type { LiveCredential, LiveCredentials } from './live-credentials.js';
import { modelOf, type ClaimLang } from './model.js';

type Claims = Readonly<Record<string, unknown>>;

export type Answer = 'admits' | 'refuses' | 'perhaps';

export interface CredentialAnswer {
  readonly credential: string;
  readonly answer: Answer;
  /** Why: the field that differs, or what claimcheck cannot read. */
  readonly why: string;
}

export interface CredentialsExplained {
  /** Entra's answer for the token: admitted by some credential, refused by all, or perhaps. */
  readonly answer: Answer;
  readonly credentials: readonly CredentialAnswer[];
}

const shown = (value: unknown) => JSON.stringify(value) ?? 'nothing';

/** Whether the value meets every clause on its claim (all clauses hold: undefined; else the first that fails). */
function failedClause(clauses: readonly ClaimLang[], claims: Claims): string | undefined {
  for (const [claim, lang] of clauses) {
    const value = claims[claim];
    if (typeof value !== 'string' || !acceptsText(lang, value)) return `claims['${claim}'] is ${typeof value === 'string' ? shown(value) : 'missing'}, which the expression's clause on it does not match`;
  }
  return undefined;
}

function acceptsText(lang: Lang, text: string): boolean {
  const alphabet = alphabetOf([lang, exactly(text)]);
  return accepts(toDfa(lang, alphabet), text);
}

function flexibleAnswer(credential: LiveCredential, claims: Claims): CredentialAnswer {
  const issuer = String(claims.iss);
  const model = modelOf(credential, issuer, grammarFor(issuer, String([claims.aud].flat()[0] ?? '')));
  const refused = failedClause(model.possible, claims);
  if (refused) return { credential: credential.name, answer: 'refuses', why: refused };
  if (model.definite && !failedClause(model.definite, claims)) return { credential: credential.name, answer: 'admits', why: 'issuer, audience and every clause of its expression match' };
  return { credential: credential.name, answer: 'perhaps', why: `every clause claimcheck can read matches; ${model.unknown.map((why) => why.replace(`${credential.name}: `, '')).join('; ')}` };
}

/** Entra's answer for one credential, with the first field that differs. */
export function credentialAnswer(credential: LiveCredential, claims: Claims): CredentialAnswer {
  const name = credential.name;
  if (claims.iss !== credential.issuer) return { credential: name, answer: 'refuses', why: `its issuer ${shown(credential.issuer)} is not the token's ${shown(claims.iss)}` };
  const audiences = [claims.aud].flat();
  if (!credential.audiences.some((audience) => audiences.includes(audience))) return { credential: name, answer: 'refuses', why: `its audiences ${shown(credential.audiences)} do not hold the token's aud ${shown(claims.aud)}` };
  if (credential.expression) return flexibleAnswer(credential, claims);
  if (credential.subject === claims.sub) return { credential: name, answer: 'admits', why: 'issuer, audience and subject match' };
  const caseOnly = typeof claims.sub === 'string' && credential.subject?.toLowerCase() === claims.sub.toLowerCase();
  return { credential: name, answer: 'refuses', why: `its subject ${shown(credential.subject)} is not the token's ${shown(claims.sub)}${caseOnly ? ' (they differ only in case, and Entra compares case-sensitively: AADSTS7002138)' : ''}` };
}

export function explainCredentials(list: LiveCredentials, claims: Claims): CredentialsExplained {
  const credentials = list.credentials.map((credential) => credentialAnswer(credential, claims));
  const answer: Answer = credentials.some((entry) => entry.answer === 'admits') ? 'admits' : credentials.some((entry) => entry.answer === 'perhaps') || list.problems.length > 0 ? 'perhaps' : 'refuses';
  return { answer, credentials };
}

const WORDS: Readonly<Record<Answer, string>> = { admits: 'ADMITS ', refuses: 'refuses', perhaps: 'perhaps' };

/** The explanation as lines, ending with whether Entra and the rules agree on the token. */
export function explainedLines(explained: CredentialsExplained, problems: readonly string[], rulesHold: boolean | undefined): string[] {
  const lines = explained.credentials.map((entry) => `  ${WORDS[entry.answer]}  ${entry.credential}: ${entry.why}`);
  for (const problem of problems) lines.push(`  perhaps  ${problem} (Entra would not hold it as written)`);
  const entra = { admits: 'Entra admits this token', refuses: 'Entra refuses this token (AADSTS700211/700212/700213: no credential matches)', perhaps: 'whether Entra admits this token turns on what claimcheck cannot read' }[explained.answer];
  if (rulesHold === undefined || explained.answer === 'perhaps') lines.push(`  => ${entra}.`);
  else if ((explained.answer === 'admits') === rulesHold) lines.push(`  => ${entra}, and the rules ${rulesHold ? 'allow' : 'refuse'} it: they agree.`);
  else if (rulesHold) lines.push(`  => ${entra}, and the rules allow it: they disagree — a job the rules were written for cannot sign in as the app.`);
  else lines.push(`  => ${entra}, and the rules refuse it: they disagree — Entra lets in a job the rules refuse (trust-policy --cloud azure --check finds every such gap on the claims Entra sees; a rule on one it never sees, such as actor, only claimcheck holds).`);
  return lines;
}
