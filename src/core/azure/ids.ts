// The names Entra ID goes by: GUIDs (application, tenant, subscription IDs) and a tenant's
// verified domain (contoso.onmicrosoft.com, or a custom domain the tenant verified).

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** A DNS name of two labels or more, as a verified domain is: letters, digits and inner hyphens. */
const DOMAIN = /^(?=.{4,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/;

export function isTenantDomain(text: string): boolean {
  return DOMAIN.test(text);
}

/**
 * Entra's tenant-less endpoints: they sign in users of many tenants, and refuse the client
 * credentials grant (AADSTS9001023), so an app's own tenant must be named.
 */
export const SHARED_TENANTS = ['common', 'organizations', 'consumers'] as const;
