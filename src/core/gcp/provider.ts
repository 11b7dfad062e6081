// Google Cloud's names, as Workload Identity Federation spells them: the provider's resource
// name, the audiences made from it (the token's, and the one STS is sent), service account
// emails and the project in them, and the IAM principals of a pool.

/** A provider's full resource name, and its parts. */
export interface ProviderName {
  /** projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider> */
  readonly name: string;
  readonly projectNumber: string;
  readonly pool: string;
  readonly provider: string;
}

export const PROVIDER_FORM = 'projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>';

/** Pool and provider IDs: 4 to 32 lowercase letters, digits and hyphens, starting with a letter or digit. */
const ID = '[a-z0-9][a-z0-9-]{3,31}';
const PROVIDER = new RegExp(`^projects/(\\d{1,20})/locations/global/workloadIdentityPools/(${ID})/providers/(${ID})$`);

export function parseProviderName(text: string): ProviderName | undefined {
  const match = PROVIDER.exec(text);
  if (!match) return undefined;
  const [, projectNumber, pool, provider] = match as unknown as [string, string, string, string];
  if (pool.startsWith('gcp-')) return undefined; // reserved by Google
  return { name: text, projectNumber, pool, provider };
}

/** Why a value that is not a provider name is not one, when a common slip explains it. */
export function providerNameSlip(text: string): string | undefined {
  if (/^(https?:)?\/\/iam\./.test(text)) return 'give the resource name without the //iam.googleapis.com/ prefix';
  if (/^projects\/[^/]*[^\d/][^/]*\//.test(text)) return 'the project must be its number (gcloud projects describe <id> --format="value(projectNumber)"), not its ID';
  if (/\/providers\/[^/]+$/.test(text) && /[A-Z_]/.test(text)) return 'pool and provider IDs are lowercase letters, digits and hyphens';
  return undefined;
}

/** The audience a CI token is requested for by default: what a provider with no allowed audiences accepts. */
export function defaultTokenAudience(provider: ProviderName, universe: string): string {
  return `https://iam.${universe}/${provider.name}`;
}

/** The audience sent to STS and written into the credentials file: the provider's full name on IAM. */
export function stsAudience(provider: ProviderName, universe: string): string {
  return `//iam.${universe}/${provider.name}`;
}

/** The pool's resource name: what principal and principalSet identifiers start from. */
export function poolName(provider: ProviderName): string {
  return `projects/${provider.projectNumber}/locations/global/workloadIdentityPools/${provider.pool}`;
}

/** One federated identity: `principal://iam.googleapis.com/<pool>/subject/<google.subject>`. */
export function principalOf(provider: ProviderName, subject: string, universe = 'googleapis.com'): string {
  return `principal://iam.${universe}/${poolName(provider)}/subject/${subject}`;
}

/** Every identity of the pool whose attribute has this exact value. */
export function principalSetOf(provider: ProviderName, attribute: string, value: string, universe = 'googleapis.com'): string {
  return `principalSet://iam.${universe}/${poolName(provider)}/attribute.${attribute}/${value}`;
}

/** A service account email: name@project.iam.gserviceaccount.com, or any account's address. */
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.-]{0,252}\.[a-z]{2,63}$/;

export function isServiceAccountEmail(text: string): boolean {
  return SERVICE_ACCOUNT.test(text);
}

/** The project of a user-managed service account (name@<project>.iam.gserviceaccount.com), else undefined. */
export function projectOfServiceAccount(email: string): string | undefined {
  return /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
}

/** A project ID: 6 to 30 lowercase letters, digits and hyphens, starting with a letter; domain-scoped ones keep their prefix. */
export function isProjectId(text: string): boolean {
  return /^([a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(text);
}

/** A universe domain: a DNS name (googleapis.com, or a sovereign cloud's). */
export function isUniverseDomain(text: string): boolean {
  return /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(text);
}
