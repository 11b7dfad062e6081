// What a Google Cloud session adds to the step summary and the audit line: the provider, the
// federated principal, the service account impersonated (if any), the project and the expiry.
import type { CloudFacts, FactRow } from '../report/report.js';

export interface GcpRunFacts {
  readonly provider: string;
  /** The token's sub, which the usual mapping makes google.subject. */
  readonly subject: string | undefined;
  readonly serviceAccount: string | undefined;
  readonly projectId: string | undefined;
  /** When the credentials made in the step expire (the access token's, else the federated token's). */
  readonly expiration: Date;
  /** Where later steps find the credentials file; undefined when none was written. */
  readonly credentialsFile?: string | undefined;
}

export function gcpFacts(facts: GcpRunFacts): CloudFacts {
  const providerId = facts.provider.replace(/.*\/providers\//, '');
  const rows: FactRow[] = [
    { label: 'Provider', values: [facts.provider] },
    ...(facts.serviceAccount === undefined ? [] : [{ label: 'Service account', values: [facts.serviceAccount] }]),
    ...(facts.projectId === undefined ? [] : [{ label: 'Project', values: [facts.projectId] }]),
    { label: 'Expires', at: facts.expiration },
  ];
  return {
    cloud: 'gcp',
    title: 'Google Cloud',
    headline: facts.serviceAccount === undefined ? { verb: 'federated through', name: providerId } : { verb: 'impersonated', name: facts.serviceAccount },
    boundary: "The provider's attribute condition",
    rows,
    audit: {
      provider: facts.provider,
      subject: facts.subject,
      service_account: facts.serviceAccount,
      project_id: facts.projectId,
      expiration: facts.expiration.toISOString(),
    },
  };
}
