// How Entra ID matches a token's claims against an app's federated identity credentials, as
// Microsoft documents it and written apart from src/ (the oracle of the --check properties,
// and the Entra double's matcher): the token's `iss` equals the credential's issuer, one of
// its `aud` values is among the credential's audiences, and either its `sub` equals the
// credential's subject (case-sensitively: AADSTS7002138 names case-only mismatches) or the
// credential's claimsMatchingExpression holds. Expressions (Flexible federated identity
// credentials, language version 1): `claims['NAME'] OP 'COMPARAND'` clauses joined by
// ` and `; `eq` compares the whole value, `matches` takes `*` for any run of characters
// (possibly none, here) and `?` for a single one (a UTF-16 unit, as .NET counts); GitHub:
// sub, job_workflow_ref (eq, matches), repository_id, repository_owner_id (eq); GitLab: sub
// (eq, matches); Terraform Cloud: sub (eq, matches). What the documentation
// does not cover makes the answer `unknown`, never a guess.

export interface CredentialToMatch {
  readonly name?: string;
  readonly issuer: string;
  readonly subject?: string | null;
  readonly claimsMatchingExpression?: { readonly value: string; readonly languageVersion?: unknown } | null;
  readonly audiences: readonly string[];
}

export type Match = 'admitted' | 'refused' | 'unknown';

type Claims = Readonly<Record<string, unknown>>;

const SUPPORTED: ReadonlyArray<{ readonly issuer: RegExp; readonly claims: Readonly<Record<string, readonly string[]>> }> = [
  { issuer: /^https:\/\/token\.actions\.githubusercontent\.com$/, claims: { sub: ['eq', 'matches'], job_workflow_ref: ['eq', 'matches'], repository_id: ['eq'], repository_owner_id: ['eq'] } },
  { issuer: /^https:\/\/(gitlab\.com|gitlab\.[^./]+\.(com|ca))$/, claims: { sub: ['eq', 'matches'] } },
  { issuer: /^https:\/\/app(\.eu)?\.terraform\.io$/, claims: { sub: ['eq', 'matches'] } },
];

interface Clause {
  readonly claim: string;
  readonly op: string;
  readonly value: string;
}

/** The clauses, read left to right; undefined when the text is not of the documented form. */
function clausesOf(expression: string): Clause[] | undefined {
  const clauses: Clause[] = [];
  const clause = /claims\['([A-Za-z0-9_.\-:/]+)'\] (eq|matches) '([^']*)'/y;
  let at = 0;
  while (at < expression.length) {
    if (clauses.length > 0) {
      if (expression.slice(at, at + 5) !== ' and ') return undefined;
      at += 5;
    }
    clause.lastIndex = at;
    const found = clause.exec(expression);
    if (!found) return undefined;
    clauses.push({ claim: found[1] as string, op: found[2] as string, value: found[3] as string });
    at = clause.lastIndex;
  }
  return clauses.length > 0 ? clauses : undefined;
}

/** `matches` as a JavaScript expression over UTF-16 units (no `u` flag: `.` is one unit). */
function wildcard(pattern: string): RegExp {
  const body = [...pattern].map((char) => (char === '*' ? '[\\s\\S]*' : char === '?' ? '[\\s\\S]' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

function expressionHolds(credential: CredentialToMatch, claims: Claims): Match {
  const expression = credential.claimsMatchingExpression;
  if (!expression || expression.languageVersion !== 1) return 'unknown';
  const support = SUPPORTED.find((entry) => entry.issuer.test(credential.issuer));
  const clauses = clausesOf(expression.value);
  if (!support || !clauses) return 'unknown';
  // Clauses are ANDed: one that surely fails refuses the token whatever the others say.
  let result: Match = 'admitted';
  for (const { claim, op, value } of clauses) {
    const presented = claims[claim];
    if (!support.claims[claim]?.includes(op)) {
      if (result === 'admitted') result = 'unknown';
    } else if (typeof presented !== 'string' || (op === 'eq' ? presented !== value : !wildcard(value).test(presented))) return 'refused';
  }
  return result;
}

/** Whether this one credential admits the token. */
export function credentialAdmits(credential: CredentialToMatch, claims: Claims): Match {
  const audiences = [claims.aud ?? []].flat();
  if (claims.iss !== credential.issuer || !credential.audiences.some((audience) => audiences.includes(audience))) return 'refused';
  const hasSubject = typeof credential.subject === 'string';
  const hasExpression = credential.claimsMatchingExpression !== undefined && credential.claimsMatchingExpression !== null;
  if (hasSubject === hasExpression) return 'unknown';
  if (hasSubject) return claims.sub === credential.subject ? 'admitted' : 'refused';
  return expressionHolds(credential, claims);
}

/** Whether any of the credentials admits the token (unknown when none surely does and one might). */
export function entraAdmits(credentials: readonly CredentialToMatch[], claims: Claims): Match {
  const answers = credentials.map((credential) => credentialAdmits(credential, claims));
  if (answers.includes('admitted')) return 'admitted';
  return answers.includes('unknown') ? 'unknown' : 'refused';
}
