// What an Azure sign-in adds to the step summary and the audit line: the app and its tenant
// (as given, and as Entra resolved it), the service principal, the subscription, the scope
// and when the proving access token expires, and Entra's IDs for the call.
import type { CloudFacts, FactRow } from '../report/report.js';

export interface AzureRunFacts {
  readonly clientId: string;
  /** The tenant as given (a GUID or a domain). */
  readonly tenant: string;
  /** The tenant's ID from the access token, when Entra's token says it. */
  readonly tenantId: string | undefined;
  /** The service principal's (or managed identity's) object ID, from the access token. */
  readonly objectId: string | undefined;
  readonly subscriptionId: string | undefined;
  readonly scope: string;
  readonly authorityHost: string;
  /** When the access token claimcheck got expires (later steps get their own). */
  readonly expiration: Date;
  /** Entra's IDs for the call, for its support: the request ID it answered with, and our correlation ID. */
  readonly requestId: string | undefined;
  readonly correlationId: string;
}

export function azureFacts(facts: AzureRunFacts): CloudFacts {
  const resolved = facts.tenantId !== undefined && facts.tenantId !== facts.tenant ? facts.tenantId : undefined;
  const rows: FactRow[] = [
    { label: 'Application (client) ID', values: [facts.clientId] },
    { label: 'Tenant', values: [facts.tenant], ...(resolved === undefined ? {} : { aside: { text: 'ID', value: resolved } }) },
    ...(facts.objectId === undefined ? [] : [{ label: 'Service principal', values: [facts.objectId] }]),
    ...(facts.subscriptionId === undefined ? [] : [{ label: 'Subscription', values: [facts.subscriptionId] }]),
    { label: 'Scope', values: [facts.scope] },
    { label: 'Access token expires', at: facts.expiration },
    { label: 'Entra correlation ID', values: [facts.correlationId] },
  ];
  return {
    cloud: 'azure',
    title: 'Azure',
    headline: { verb: 'signed in to Azure as', name: facts.clientId },
    boundary: "The app's set of federated credentials",
    rows,
    audit: {
      client_id: facts.clientId,
      tenant: facts.tenant,
      tenant_id: facts.tenantId,
      object_id: facts.objectId,
      subscription_id: facts.subscriptionId,
      scope: facts.scope,
      authority_host: facts.authorityHost,
      expiration: facts.expiration.toISOString(),
      request_id: facts.requestId,
      correlation_id: facts.correlationId,
    },
  };
}
