// A compiled provider in the forms people apply: JSON in the shape `gcloud iam
// workload-identity-pools providers describe --format=json` prints, the gcloud commands that
// create it and grant its members (shell-quoted), and Terraform. Every string from a rule or
// claim is quoted for its reader: JSON.stringify, shellQuote, hclString.
import { shellQuote } from '../../text/shell.js';
import { hclString } from '../../text/hcl.js';
import type { ProviderName } from '../../gcp/provider.js';
import type { GcpProviderConfig } from './compile.js';

export interface Grant {
  readonly member: string;
  /** The service account the member may impersonate; a placeholder when not given. */
  readonly serviceAccount: string;
}

export const SERVICE_ACCOUNT_PLACEHOLDER = 'SERVICE_ACCOUNT_EMAIL';

/** The provider as describe prints it (name only when the provider is known). */
export function describeJson(config: GcpProviderConfig, provider: ProviderName | undefined): string {
  const document = {
    ...(provider === undefined ? {} : { name: provider.name }),
    attributeCondition: config.attributeCondition,
    attributeMapping: config.attributeMapping,
    oidc: { ...(config.audiences.length === 0 ? {} : { allowedAudiences: config.audiences }), issuerUri: config.issuer },
    state: 'ACTIVE',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A gcloud dictionary or list flag: with gcloud's ^DELIM^ escaping when an item holds a comma. */
function gcloudList(items: readonly string[]): string {
  if (!items.some((item) => item.includes(','))) return items.join(',');
  const delimiter = ['|', ';', '~', '#', '!', '@'].find((candidate) => !items.some((item) => item.includes(candidate)));
  if (delimiter === undefined) throw new Error('no gcloud list delimiter is free');
  return `^${delimiter}^${items.join(delimiter)}`;
}

/** The gcloud commands: create the provider, then grant each member roles/iam.workloadIdentityUser. */
export function gcloudCommands(config: GcpProviderConfig, provider: ProviderName, grants: readonly Grant[]): string {
  const create = [
    'gcloud iam workload-identity-pools providers create-oidc', shellQuote(provider.provider),
    `--project=${shellQuote(provider.projectNumber)}`, '--location=global', `--workload-identity-pool=${shellQuote(provider.pool)}`,
    `--issuer-uri=${shellQuote(config.issuer)}`,
    ...(config.audiences.length === 0 ? [] : [`--allowed-audiences=${shellQuote(gcloudList(config.audiences))}`]),
    `--attribute-mapping=${shellQuote(gcloudList(Object.entries(config.attributeMapping).map(([key, value]) => `${key}=${value}`)))}`,
    `--attribute-condition=${shellQuote(config.attributeCondition)}`,
  ];
  const lines = [create.join(' \\\n  ')];
  for (const grant of grants) {
    lines.push(['gcloud iam service-accounts add-iam-policy-binding', shellQuote(grant.serviceAccount), '--role=roles/iam.workloadIdentityUser', `--member=${shellQuote(grant.member)}`].join(' \\\n  '));
  }
  return `${lines.join('\n\n')}\n`;
}


/** A Terraform label: letters, digits, _ and -, starting with a letter. */
function label(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `m_${cleaned}`;
}

/** The provider resource and one google_service_account_iam_member per grant. */
export function terraform(config: GcpProviderConfig, provider: ProviderName, grants: readonly Grant[]): string {
  const width = Math.max(...Object.keys(config.attributeMapping).map((key) => hclString(key).length));
  const lines = [
    'resource "google_iam_workload_identity_pool_provider" "claimcheck" {',
    `  project                            = ${hclString(provider.projectNumber)}`,
    `  workload_identity_pool_id          = ${hclString(provider.pool)}`,
    `  workload_identity_pool_provider_id = ${hclString(provider.provider)}`,
    `  attribute_condition                = ${hclString(config.attributeCondition)}`,
    '  attribute_mapping = {',
    ...Object.entries(config.attributeMapping).map(([key, value]) => `    ${hclString(key).padEnd(width)} = ${hclString(value)}`),
    '  }',
    '  oidc {',
    `    issuer_uri        = ${hclString(config.issuer)}`,
    ...(config.audiences.length === 0 ? [] : [`    allowed_audiences = [${config.audiences.map(hclString).join(', ')}]`]),
    '  }',
    '}',
  ];
  grants.forEach((grant, index) => {
    lines.push(
      '',
      `resource "google_service_account_iam_member" ${hclString(label(`claimcheck_${index + 1}`))} {`,
      `  service_account_id = ${hclString(`projects/-/serviceAccounts/${grant.serviceAccount}`)}`,
      '  role               = "roles/iam.workloadIdentityUser"',
      `  member             = ${hclString(grant.member)}`,
      '}',
    );
  });
  return `${lines.join('\n')}\n`;
}
