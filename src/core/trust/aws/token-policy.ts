// IAM trust policies for OIDC-federated roles as text: provider ARNs, the condition that
// accepts one token's own subject (for the AccessDenied explanation and explain), and the
// Terraform for the provider and roles. The policies themselves come from compile-trust.ts.

import { exactValue } from './pattern.js';

/** IAM names OIDC condition keys and provider ARNs by the issuer URL without its scheme. */
export function issuerKeyPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function oidcProviderArn(partition: string, accountId: string, issuer: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerKeyPrefix(issuer)}`;
}

export type TrustCondition = Readonly<Record<'StringEquals', Readonly<Record<string, string>>>>;

/**
 * The condition that accepts one token's own `aud` and `sub` as text: a claim's `*`, `?` or
 * `${` (a branch may be named `a${b}`) must not become an IAM wildcard or policy variable.
 */
export function exactTrustCondition(issuer: string, audience: string, subject: string): TrustCondition {
  const prefix = issuerKeyPrefix(issuer);
  return { StringEquals: { [`${prefix}:aud`]: exactValue(audience), [`${prefix}:sub`]: exactValue(subject) } };
}

const PROVIDER_REFERENCE = 'aws_iam_openid_connect_provider.ci.arn';

const INVISIBLE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u;

/**
 * A string as an HCL literal. Claim values are untrusted: `${` and `%{` would start a
 * Terraform interpolation or directive (a branch named `fix-${var.db_password}` would put a
 * secret into the policy), so they are written `$${` and `%%{`; quotes, backslashes, control,
 * bidi, zero-width and other invisible characters are escaped as HCL reads them (\u, \U).
 */
export function hclString(text: string): string {
  const body = Array.from(text)
    .map((char) => {
      if (char === '"' || char === '\\') return `\\${char}`;
      const code = char.codePointAt(0) as number;
      if (INVISIBLE.test(char)) return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      return char;
    })
    .join('')
    .replaceAll('${', () => '$${')
    .replaceAll('%{', () => '%%{');
  return `"${body}"`;
}

/** A JSON value as an HCL expression (objects and lists in JSON syntax, strings via hclString). */
function hclValue(value: unknown, indent: string): string {
  if (typeof value === 'string') return hclString(value);
  if (Array.isArray(value)) return `[${value.map((item) => hclValue(item, indent)).join(', ')}]`;
  if (value && typeof value === 'object') {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(([key, item]) => `${inner}${hclString(key)} = ${hclValue(item, inner)}`);
    return `{\n${entries.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export interface TerraformRole {
  /** The resource label: letters, digits, _ and - (derived from the role map entry). */
  readonly label: string;
  readonly roleName: string;
  /** The trust policy, whose Federated principal is replaced by the provider resource's ARN. */
  readonly document: object;
  readonly principal: string;
}

/** A resource label Terraform accepts, from any name. */
export function terraformLabel(name: string): string {
  const label = name.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^([^A-Za-z_])/, '_$1');
  return label === '' ? 'ci' : label;
}

/** The provider and roles as Terraform; every string passes through hclString. */
export function terraformForRoles(issuer: string, audience: string, roles: readonly TerraformRole[]): string {
  const marker = '__claimcheck_provider_arn__';
  const lines = [
    '# The IAM OIDC provider: once per account and issuer.',
    'resource "aws_iam_openid_connect_provider" "ci" {',
    `  url            = ${hclString(issuer)}`,
    `  client_id_list = [${hclString(audience)}]`,
    '}',
  ];
  for (const role of roles) {
    const withMarker = JSON.parse(JSON.stringify(role.document).replaceAll(JSON.stringify(role.principal), JSON.stringify(marker))) as object;
    const policy = hclValue(withMarker, '  ').replaceAll(hclString(marker), PROVIDER_REFERENCE);
    lines.push('', `resource "aws_iam_role" ${hclString(role.label)} {`, `  name = ${hclString(role.roleName)}`, `  assume_role_policy = jsonencode(${policy})`, '}');
  }
  return `${lines.join('\n')}\n`;
}
