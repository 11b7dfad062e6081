// Who a trust policy statement lets in, and with which action: the IAM OIDC provider of the
// issuer being checked (AssumeRoleWithWebIdentity), or another principal — another OIDC or SAML
// provider, an AWS account, role or user, a service, or everyone — with the action that
// principal would call. Every statement counts, not the first provider found.
import { matchesIam, parseIamValue, type IamToken } from './pattern.js';
import type { PolicyStatement } from './policy.js';

export const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity';

export type PrincipalType = 'AWS' | 'Federated' | 'Service' | 'CanonicalUser' | '*';

/** Another principal a statement names: whoever it is, its requests carry no token the rules check. */
export interface Grantee {
  readonly type: PrincipalType;
  readonly value: string;
  /** The STS action such a principal calls to assume a role. */
  readonly action: string;
}

/** Whether a Federated value is the IAM OIDC provider of this issuer (`…:oidc-provider/<issuer without scheme>`). */
export type ProviderTest = (federated: string) => boolean;

/** The provider of an issuer in any account (`--check` does not know the role's account), or in one. */
export function providerTest(prefix: string, arn?: string): ProviderTest {
  if (arn !== undefined) return (value) => value === arn;
  return (value) => /^arn:[^:]+:iam::[^:]*:oidc-provider\//.test(value) && value.slice(value.indexOf(':oidc-provider/') + ':oidc-provider/'.length) === prefix;
}

function listOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string => typeof item === 'string');
}

function actionMatches(pattern: string, action: string): boolean {
  return matchesIam(parseIamValue(pattern, true, false) as IamToken[], action, true);
}

/** Whether the statement's Action (or NotAction) covers the action. */
export function coversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.notAction !== undefined) return !listOf(statement.notAction).some((pattern) => actionMatches(pattern, action));
  return listOf(statement.action).some((pattern) => actionMatches(pattern, action));
}

/** Principal entries as [type, value] pairs; `"*"` alone as ['*', '*']. */
function entries(principal: unknown): Array<[PrincipalType, string]> {
  if (principal === '*') return [['*', '*']];
  if (typeof principal !== 'object' || principal === null) return [];
  return Object.entries(principal).flatMap(([type, values]) => listOf(values).map((value) => [type as PrincipalType, value] as [PrincipalType, string]));
}

/** Whether the statement's Principal (or NotPrincipal) names the provider being checked. */
export function coversProvider(statement: PolicyStatement, isProvider: ProviderTest): boolean {
  const named = (principal: unknown) => entries(principal).some(([type, value]) => type === '*' || (type === 'Federated' && (value === '*' || isProvider(value))));
  return statement.notPrincipal !== undefined ? !named(statement.notPrincipal) : named(statement.principal);
}

/** Whether a Deny's principal covers every request of the grantee. */
export function coversGrantee(statement: PolicyStatement, grantee: Grantee): boolean {
  const exact = (principal: unknown) => entries(principal).some(([type, value]) => type === '*' || (type === grantee.type && (value === '*' || value === grantee.value)));
  if (statement.notPrincipal !== undefined) return grantee.type !== '*' && !exact(statement.notPrincipal);
  return exact(statement.principal);
}

const SAML = 'sts:AssumeRoleWithSAML';

/** The actions a principal entry could assume the role with ("*": any principal, so any action). */
function actionsFor(type: PrincipalType, value: string): string[] {
  if (type === '*') return ['sts:AssumeRole', WEB_IDENTITY, SAML];
  if (type !== 'Federated') return ['sts:AssumeRole'];
  if (value === '*') return [WEB_IDENTITY, SAML];
  return [/:saml-provider\//.test(value) ? SAML : WEB_IDENTITY];
}

/** The other principals an Allow statement lets assume the role (with an action it covers). */
export function granteesOf(statement: PolicyStatement, isProvider: ProviderTest): Grantee[] {
  if (statement.effect !== 'Allow') return [];
  return entries(statement.principal)
    .filter(([type, value]) => !(type === 'Federated' && value !== '*' && isProvider(value)))
    .flatMap(([type, value]) => actionsFor(type, value).map((action): Grantee => ({ type, value, action })))
    .filter((grantee) => coversAction(statement, grantee.action));
}

/** The principal as people read it. */
export function describeGrantee(grantee: Grantee): string {
  if (grantee.type === '*') return `every principal ("*", with ${grantee.action})`;
  if (grantee.value === '*') return `every ${grantee.type} principal (${grantee.type}: "*")`;
  const provider = /:oidc-provider\/(.+)$/.exec(grantee.value)?.[1];
  if (grantee.type === 'Federated' && provider) return `the OIDC provider ${provider} (another issuer)`;
  return `the ${grantee.type} principal ${grantee.value}`;
}
