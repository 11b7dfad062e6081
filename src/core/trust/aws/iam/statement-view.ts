// A trust policy's statements as one kind of request sees them: those whose principal and
// action cover the request, each with its conditions as predicates on the request's claims,
// the conditions claimcheck cannot decide (a key the token does not set, a policy variable, an
// operator on numbers or dates), and whether some condition can never hold.
import { conditionMeaning, type KeyMeaning, type Pred } from './condition-pred.js';
import type { PolicyDocument, PolicyStatement } from './policy.js';

export interface StatementView {
  readonly statement: PolicyStatement;
  readonly label: string;
  readonly effect: 'Allow' | 'Deny';
  /** Known conditions, each a predicate on one claim. */
  readonly preds: ReadonlyArray<readonly [string, Pred]>;
  /** Conditions claimcheck cannot decide, each with why. */
  readonly unknown: readonly string[];
  /** Some condition never holds for this kind of request: the statement never applies. */
  readonly never: boolean;
}

export function statementLabel(statement: PolicyStatement): string {
  return `Statement[${statement.index}]${statement.sid ? ` (${statement.sid})` : ''}`;
}

/** The statements that cover a request (principal and action), as predicates on its claims. */
export function viewsFor(policy: PolicyDocument, covers: (statement: PolicyStatement) => boolean, resolve: (key: string) => KeyMeaning): StatementView[] {
  const variables = policy.version === '2012-10-17';
  return policy.statements.filter(covers).map((statement) => {
    const preds: Array<[string, Pred]> = [];
    const unknown: string[] = [];
    let never = false;
    for (const condition of statement.conditions) {
      const meaning = conditionMeaning(condition, resolve, variables);
      if (meaning.kind === 'pred') preds.push([meaning.claim, meaning.pred]);
      else if (meaning.kind === 'unknown') unknown.push(meaning.why);
      else if (meaning.kind === 'never') never = true;
    }
    return { statement, label: statementLabel(statement), effect: statement.effect === 'Deny' ? 'Deny' : 'Allow', preds, unknown, never };
  });
}

/** `host[:port][/path]:claim` names a key of an OIDC provider: its first part is a host. */
function isProviderKey(key: string): boolean {
  const first = key.slice(0, key.indexOf(':'));
  return key.includes(':') && first.includes('.');
}

/**
 * Keys as a web identity request of the issuer sees them: `<issuer>:<claim>` for the claims
 * AWS evaluates (and the grammar models), other providers' keys missing, anything else
 * (sts:*, aws:*, a claim AWS is not known to evaluate) unknown.
 */
export function providerKeys(prefix: string, keyed: readonly string[], modelled: ReadonlySet<string>): (key: string) => KeyMeaning {
  const own = `${prefix.toLowerCase()}:`;
  return (key) => {
    const lower = key.toLowerCase();
    if (lower.startsWith(own)) {
      const claim = keyed.find((name) => name.toLowerCase() === lower.slice(own.length));
      if (claim !== undefined && modelled.has(claim)) return { claim };
      return { unknown: `the key ${key}: AWS evaluates no such key for tokens of ${prefix}, as far as claimcheck knows (it knows ${keyed.join(', ')})` };
    }
    if (isProviderKey(key)) return { absent: true };
    return { unknown: `the key ${key}, whose value the caller or the request sets, not the token` };
  };
}

/**
 * Keys as another principal's request sees them: any key free, but those of OIDC providers
 * other than its own (`own`, for a federated principal) missing.
 */
export function freeKeys(own: string | undefined): (key: string) => KeyMeaning {
  const prefix = own === undefined ? undefined : `${own.toLowerCase()}:`;
  return (key) => (isProviderKey(key) && (prefix === undefined || !key.toLowerCase().startsWith(prefix)) ? { absent: true } : { claim: key.toLowerCase() });
}
