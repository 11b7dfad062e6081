// The variables Azure's clients read, and those that would make them use another credential.
// azure-identity (every language; DefaultAzureCredential and WorkloadIdentityCredential) reads
// AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST, and
// reads the file again whenever it needs a new access token; Terraform's azurerm provider reads
// ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID, ARM_OIDC_TOKEN_FILE_PATH
// (and ARM_ENVIRONMENT for a sovereign cloud).
import type { AzureSettings } from './settings.js';

export const TOKEN_FILE_VARIABLE = 'AZURE_FEDERATED_TOKEN_FILE';

/** azurerm's names for the sovereign clouds, by their authority host. */
const ARM_ENVIRONMENTS: Readonly<Record<string, string>> = {
  'https://login.microsoftonline.us': 'usgovernment',
  'https://login.chinacloudapi.cn': 'china',
};

export function azureVariables(azure: AzureSettings, tokenFile: string): Array<[string, string]> {
  const subscription = azure.subscriptionId;
  const armEnvironment = ARM_ENVIRONMENTS[azure.authorityHost];
  return [
    ['AZURE_CLIENT_ID', azure.clientId],
    ['AZURE_TENANT_ID', azure.tenantId],
    [TOKEN_FILE_VARIABLE, tokenFile],
    // Also the public cloud's: azure-identity for Python before 1.13 (Debian 12's, say) takes the
    // token file only when AZURE_AUTHORITY_HOST is set, as AKS's webhook always sets it.
    ['AZURE_AUTHORITY_HOST', azure.authorityHost],
    ...(subscription === undefined ? [] : [['AZURE_SUBSCRIPTION_ID', subscription] as [string, string]]),
    ['ARM_USE_OIDC', 'true'],
    ['ARM_CLIENT_ID', azure.clientId],
    ['ARM_TENANT_ID', azure.tenantId],
    ...(subscription === undefined ? [] : [['ARM_SUBSCRIPTION_ID', subscription] as [string, string]]),
    ['ARM_OIDC_TOKEN_FILE_PATH', tokenFile],
    ...(armEnvironment === undefined ? [] : [['ARM_ENVIRONMENT', armEnvironment] as [string, string]]),
  ];
}

/**
 * Variables that, set by an earlier step or the job, make a client use another credential
 * with our client ID: azure-identity's EnvironmentCredential (a secret, a certificate, a
 * user's password) comes before the workload identity credential in DefaultAzureCredential,
 * and azurerm takes a secret, a certificate, a token or a managed identity over the file.
 */
export const SHADOWING_VARIABLES = [
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'ARM_CLIENT_SECRET',
  'ARM_CLIENT_SECRET_FILE_PATH',
  'ARM_CLIENT_CERTIFICATE',
  'ARM_CLIENT_CERTIFICATE_PATH',
  'ARM_CLIENT_CERTIFICATE_PASSWORD',
  'ARM_OIDC_TOKEN',
  'ARM_USE_MSI',
  'ARM_USE_CLI',
] as const;

/** The shadowing variables set (non-empty) in an environment. */
export function shadowingIn(env: Readonly<Record<string, string | undefined>>): string[] {
  return SHADOWING_VARIABLES.filter((name) => (env[name] ?? '') !== '');
}

/** Optional variables of ours this hand-over does not set: one left by an earlier step (another subscription or cloud) is cleared. */
const OPTIONAL_VARIABLES = ['AZURE_SUBSCRIPTION_ID', 'ARM_SUBSCRIPTION_ID', 'ARM_ENVIRONMENT'];

export function leftoverIn(set: ReadonlyArray<readonly [string, string]>, env: Readonly<Record<string, string | undefined>>): string[] {
  const names = new Set(set.map(([name]) => name));
  return OPTIONAL_VARIABLES.filter((name) => !names.has(name) && (env[name] ?? '') !== '');
}
