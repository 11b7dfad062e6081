// Statements that let another principal assume the role: another OIDC or SAML provider, an
// AWS account, role or user, a service, everyone. Its requests carry no token of the issuer,
// so the rules never see them: that is a way in around the rules (a FAIL), unless a Deny
// covering that principal always applies or the statement's conditions can never hold. Their
// condition keys are the request's own (sts:ExternalId, aws:PrincipalArn, …): any value.
import { TooComplex } from '../../lang/nfa.js';
import { alphabetOf, ANY_TEXT, type Lang } from '../../lang/lang.js';
import { one, type TokenGrammar } from '../../grammar/grammar.js';
import { openSession } from '../../solve.js';
import { acceptedThrough, OutOfBudget, type Policy } from '../check/accepted.js';
import type { PolicyDocument } from './policy.js';
import { coversAction, coversGrantee, granteesOf, providerTest, type Grantee } from './principals.js';
import { freeKeys, viewsFor, type StatementView } from './statement-view.js';
import type { IssuerKeys } from './keys.js';

export interface GranteeFinding {
  readonly kind: 'grantee';
  readonly statement: string;
  readonly grantee: Grantee;
  /** Condition keys and values under which it is let in (none: unconditionally). */
  readonly context: Readonly<Record<string, string>>;
}

export interface UndecidedGrantee {
  readonly kind: 'undecided';
  readonly about: string;
  readonly why: readonly string[];
}

/** Every key a request could be asked about, each free (any value, or missing). */
function freeGrammar(views: readonly StatementView[]): TokenGrammar {
  const keys = [...new Set(views.flatMap((view) => view.preds.map(([claim]) => claim)))];
  return {
    platform: 'request',
    fields: Object.fromEntries(keys.map((key) => [key, { lang: ANY_TEXT, example: 'x', optional: true, absentByDefault: true }])),
    shapes: [{ name: 'a request', claims: Object.fromEntries(keys.map((key) => [key, one(key)])) }],
    pins: undefined,
  };
}

function judge(policy: PolicyDocument, statementIndex: number, grantee: Grantee): GranteeFinding | UndecidedGrantee | undefined {
  const covers = (index: number) => (statement: PolicyDocument['statements'][number]) =>
    statement.index === index || (statement.effect === 'Deny' && coversGrantee(statement, grantee) && coversAction(statement, grantee.action));
  const own = grantee.type === 'Federated' ? /:oidc-provider\/(.+)$/.exec(grantee.value)?.[1] : undefined;
  const views = viewsFor(policy, covers(statementIndex), freeKeys(own));
  const allow = views.find((view) => view.statement.index === statementIndex) as StatementView;
  const grammar = freeGrammar(views);
  const langs: Lang[] = [ANY_TEXT, ...views.flatMap((view) => view.preds.flatMap(([, pred]) => pred.langs))];
  const problem: Policy = { session: openSession(grammar, alphabetOf(langs)), allows: [allow], denies: views.filter((view) => view.effect === 'Deny'), budget: 2_000 };
  const definite = acceptedThrough(problem, allow, [], 'definite');
  if (definite) return { kind: 'grantee', statement: allow.label, grantee, context: definite.claims };
  if (!acceptedThrough(problem, allow, [], 'possible')) return undefined;
  const why = views.flatMap((view) => view.unknown.map((reason) => `${view.label}: ${reason}`));
  return { kind: 'undecided', about: `whether ${allow.label} lets ${grantee.type === '*' ? 'every principal' : `${grantee.type} ${grantee.value}`} assume the role`, why };
}

/** What each Allow statement grants principals other than the issuer's provider. */
export function checkGrantees(input: { readonly policy: PolicyDocument; readonly keys: IssuerKeys; readonly providerArn?: string | undefined }): Array<GranteeFinding | UndecidedGrantee> {
  const isProvider = providerTest(input.keys.prefix, input.providerArn);
  const findings: Array<GranteeFinding | UndecidedGrantee> = [];
  for (const statement of input.policy.statements) {
    for (const grantee of granteesOf(statement, isProvider)) {
      try {
        const finding = judge(input.policy, statement.index, grantee);
        if (finding) findings.push(finding);
      } catch (error) {
        if (!(error instanceof OutOfBudget || error instanceof TooComplex)) throw error;
        findings.push({ kind: 'undecided', about: `what Statement[${statement.index}] grants ${grantee.value}`, why: ['its conditions and the Denies need more searches than claimcheck makes'] });
      }
    }
  }
  return findings;
}
