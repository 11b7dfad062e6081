// The Azure part of the inputs: the app (or user-assigned managed identity) by client ID, its
// tenant, the subscription to select, the Entra authority and the scope proving the identity
// works. A step targets Azure when it names azure-client-id; the other Azure inputs then apply.
import { ClaimcheckError } from '../errors.js';
import { boolean, invalid, mapOptional, type InputReader } from '../config/input-reader.js';
import { parseServiceUrl } from '../config/input-values.js';
import { isGuid, isTenantDomain, SHARED_TENANTS } from './ids.js';

/** The audience Entra's federated credentials expect by default (and the portal writes). */
export const AZURE_AUDIENCE = 'api://AzureADTokenExchange';

/** Azure's public cloud; sovereign clouds have their own (login.microsoftonline.us, login.chinacloudapi.cn). */
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export interface AzureSettings {
  /** The application (client) ID of the app registration or user-assigned managed identity. */
  readonly clientId: string;
  /** The tenant: its ID (a GUID) or one of its verified domains. */
  readonly tenantId: string;
  readonly subscriptionId: string | undefined;
  /** Entra's authority host, without a trailing slash. */
  readonly authorityHost: string;
  /** The scope of the access token that proves the identity works (a resource's /.default). */
  readonly scope: string;
  /** The token's audience: the audience input, else api://AzureADTokenExchange. */
  readonly audience: string;
  /** Also sign the Azure CLI in (az login), from the token file. */
  readonly cliLogin: boolean;
}

export interface AzureInputContext {
  /** The audience input, if given. */
  readonly audience: string | undefined;
}

/** Inputs that mean nothing without azure-client-id: set alone, they are a mistake, not an option to ignore. */
const NEEDS_CLIENT_ID = ['azure-tenant-id', 'azure-subscription-id'] as const;

/** The Azure settings, or undefined when the step names no Azure app (it targets other clouds only). */
export function parseAzureSettings(inputs: InputReader, context: AzureInputContext): AzureSettings | undefined {
  const clientId = mapOptional(inputs.optional('azure-client-id'), (text) => guid('azure-client-id', text, 'the Application (client) ID of the app registration or managed identity, a GUID such as 11111111-2222-3333-4444-555555555555'));
  if (clientId === undefined) {
    const stray = NEEDS_CLIENT_ID.find((name) => inputs.optional(name) !== undefined);
    if (stray !== undefined) throw new ClaimcheckError('INPUT_REQUIRED', `Input azure-client-id is required with ${stray} but was not set.`, 'Set azure-client-id to the Application (client) ID of the app registration (or user-assigned managed identity) that trusts this job.');
    return undefined;
  }
  return {
    clientId,
    tenantId: parseTenant(inputs.required('azure-tenant-id', 'with azure-client-id')),
    subscriptionId: mapOptional(inputs.optional('azure-subscription-id'), (text) => guid('azure-subscription-id', text, 'a subscription ID, a GUID')),
    authorityHost: parseAuthorityHost(inputs.read('azure-authority-host')),
    scope: parseScope(inputs.read('azure-scope')),
    audience: context.audience ?? AZURE_AUDIENCE,
    cliLogin: boolean('azure-cli-login', inputs.read('azure-cli-login')),
  };
}

function guid(name: string, text: string, expected: string): string {
  if (!isGuid(text)) throw invalid(name, text, expected);
  return text.toLowerCase();
}

function parseTenant(text: string): string {
  if ((SHARED_TENANTS as readonly string[]).includes(text.toLowerCase())) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `Input azure-tenant-id is ${JSON.stringify(text)}, an endpoint shared by many tenants, which does not issue tokens to an app by its own credentials (AADSTS9001023).`,
      "Set azure-tenant-id to the Directory (tenant) ID of the app's tenant (az account show --query tenantId), or one of its verified domains.",
    );
  }
  if (isGuid(text)) return text.toLowerCase();
  if (isTenantDomain(text)) return text.toLowerCase();
  throw invalid('azure-tenant-id', text, 'a Directory (tenant) ID (a GUID), or a verified domain of the tenant such as contoso.onmicrosoft.com');
}

/** An https:// origin (http:// for loopback only), no path: Entra's endpoints hang off it as /<tenant>/oauth2/v2.0/token. */
function parseAuthorityHost(text: string): string {
  const trimmed = text.replace(/\/$/, '');
  const url = parseServiceUrl(trimmed);
  if (url === undefined || new URL(url).pathname !== '/' || trimmed.endsWith('/')) {
    throw invalid('azure-authority-host', text, 'the authority host of an Azure cloud, an https:// URL without a path such as https://login.microsoftonline.com or https://login.microsoftonline.us');
  }
  return trimmed;
}

/** The client credentials grant takes one scope: a resource's `/.default`. */
function parseScope(text: string): string {
  if (!/^[\x21-\x7e]{1,512}\/\.default$/.test(text) || text.includes('"')) {
    throw invalid('azure-scope', text, "one resource's /.default scope, such as https://management.azure.com/.default or api://<app-id>/.default (the client credentials grant takes no other)");
  }
  return text;
}
