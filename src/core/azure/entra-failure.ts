// Entra ID's token endpoint errors, read and explained. Entra answers an error as OAuth JSON:
// `error`, `error_description` starting with `AADSTS<code>:`, `error_codes`, `trace_id`,
// `correlation_id`. Which retry, which need a fresh token, and what each of the others means
// for the job: the claims it presented and the federated credential that would accept it.
import { ClaimcheckError } from '../errors.js';
import { inertJson } from '../text/inert-text.js';
import { credentialForToken } from '../trust/azure/credential.js';
import { githubSubjectKind, otherSubjectForm } from '../trust/aws/platforms/github.js';

/** One failed call: Entra's answer, or no answer at all (`network`). */
export interface EntraFailure {
  /** HTTP status; undefined when no answer came. */
  readonly status: number | undefined;
  /** OAuth's error (invalid_client, invalid_request, temporarily_unavailable, …). */
  readonly error: string | undefined;
  /** The description's first part, without its Trace ID, Correlation ID and Timestamp lines. */
  readonly description: string | undefined;
  /** The AADSTS codes, from error_codes or else the description. */
  readonly codes: readonly number[];
  readonly traceId: string | undefined;
  readonly correlationId: string | undefined;
  /** Why no answer came (ECONNRESET, a timeout), when none did. */
  readonly network?: string | undefined;
}

export type EntraFailureKind =
  | 'transient'
  | 'assertion-time'
  | 'issuer'
  | 'audience'
  | 'subject'
  | 'subject-case'
  | 'no-match'
  | 'app-not-found'
  | 'tenant-not-found'
  | 'refused';

/** Codes Entra documents as passing with time (RequestBudgetExceeded, MSODS unavailable, retryable server errors). */
const TRANSIENT_CODES = new Set([90006, 90024, 90033, 90055, 90090, 40010, 50000]);

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Entra's error JSON as a failure; anything else (an HTML page, nothing) keeps only the status. */
export function readEntraError(status: number, body: unknown): EntraFailure {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const raw = text(fields.error_description);
  const listed = Array.isArray(fields.error_codes) ? fields.error_codes.filter((code): code is number => Number.isInteger(code)) : [];
  const fromText = raw === undefined ? [] : [...raw.matchAll(/AADSTS(\d{4,9})/g)].map((match) => Number(match[1]));
  return {
    status,
    error: text(fields.error),
    description: raw === undefined ? undefined : shortDescription(raw),
    codes: listed.length > 0 ? listed : fromText,
    traceId: text(fields.trace_id),
    correlationId: text(fields.correlation_id),
  };
}

/** The description up to its Trace ID line, on one line and at most 600 characters. */
function shortDescription(raw: string): string {
  const [head = ''] = raw.split(/\s*Trace ID:/);
  const line = head.replace(/\s+/g, ' ').trim();
  return line.length > 600 ? `${line.slice(0, 600)}…` : line;
}

export function networkFailure(reason: string, status?: number): EntraFailure {
  return { status, error: undefined, description: undefined, codes: [], traceId: undefined, correlationId: undefined, network: reason };
}

const has = (failure: EntraFailure, ...codes: number[]) => codes.some((code) => failure.codes.includes(code));

export function classifyEntraFailure(failure: EntraFailure): EntraFailureKind {
  const { status } = failure;
  if (status === undefined || status === 408 || status === 429 || status >= 500) return 'transient';
  if (failure.error === 'temporarily_unavailable' || failure.codes.some((code) => TRANSIENT_CODES.has(code))) return 'transient';
  if (has(failure, 700024, 500133)) return 'assertion-time';
  if (has(failure, 7002138)) return 'subject-case';
  if (has(failure, 700211)) return 'issuer';
  if (has(failure, 700212, 7002121)) return 'audience';
  if (has(failure, 700213, 7002137)) return 'subject';
  if (has(failure, 70021)) return 'no-match';
  if (has(failure, 700016, 700011)) return 'app-not-found';
  if (has(failure, 90002, 900023)) return 'tenant-not-found';
  return 'refused';
}

/** What the error messages know of the call and of the token presented. */
export interface EntraContext {
  readonly clientId: string;
  readonly tenantId: string;
  /** The token endpoint called. */
  readonly endpoint: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

const claimText = (claims: Readonly<Record<string, unknown>>, name: string): string => {
  const value = claims[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
};

/** Entra's own words and the IDs its support asks for, for a message's end. */
function entraSays(failure: EntraFailure): string {
  const ids = [failure.traceId && `trace ID ${failure.traceId}`, failure.correlationId && `correlation ID ${failure.correlationId}`].filter(Boolean).join(', ');
  const said = failure.description ?? (failure.error === undefined ? `HTTP ${failure.status ?? 'error'}` : `${failure.error} (HTTP ${failure.status})`);
  return `Entra ID said: ${said}${ids === '' ? '' : ` (${ids})`}`;
}

/** The claims Entra matches, as presented, and the exact credential that accepts them. */
function presented(context: EntraContext): { readonly claims: string; readonly create: string } {
  const [iss, sub, aud] = ['iss', 'sub', 'aud'].map((name) => claimText(context.claims, name)) as [string, string, string];
  const credential = credentialForToken(iss, sub, aud);
  const json = inertJson(JSON.stringify({ name: credential.name, issuer: iss, subject: sub, audiences: [aud] }));
  return {
    claims: `iss=${JSON.stringify(iss)}, sub=${JSON.stringify(sub)}, aud=${JSON.stringify(aud)}`,
    create: `az ad app federated-credential create --id ${context.clientId} --parameters '${json.replaceAll("'", "'\\''")}'`,
  };
}

function where(context: EntraContext): string {
  return `app ${context.clientId} in tenant ${context.tenantId}`;
}

function mismatch(failure: EntraFailure, context: EntraContext, kind: EntraFailureKind): ClaimcheckError {
  const shown = presented(context);
  const tail = `Claims presented: ${shown.claims}. A federated credential with exactly that issuer, subject and audience accepts it (the hint has the command). ${entraSays(failure)}.`;
  const add = `Add it to the app (or fix the one meant for this job: Entra compares issuer, subject and audience exactly and case-sensitively): ${shown.create}`;
  const sub = claimText(context.claims, 'sub');
  switch (kind) {
    case 'issuer':
      return new ClaimcheckError('ENTRA_ISSUER_MISMATCH', `Entra ID refused the token for ${where(context)}: no federated credential of the app names its issuer (AADSTS700211). ${tail}`, `${add}. A GitHub enterprise with a custom issuer presents https://token.actions.githubusercontent.com/<enterprise>; a trailing / is another issuer.`);
    case 'audience':
      return new ClaimcheckError('ENTRA_AUDIENCE_MISMATCH', `Entra ID refused the token for ${where(context)}: no federated credential of the app lists its audience (AADSTS700212). ${tail}`, `Credentials made in the portal expect api://AzureADTokenExchange: leave the audience input empty. Or: ${add}`);
    case 'no-match':
      return new ClaimcheckError('ENTRA_NO_MATCH', `Entra ID refused the token for ${where(context)}: no federated credential of the app matches its issuer, subject and audience (AADSTS70021). ${tail}`, add);
    default: {
      const legacy = otherSubjectForm(sub, context.claims);
      if (kind === 'subject' && githubSubjectKind(sub) === 'immutable') {
        return new ClaimcheckError(
          'ENTRA_SUBJECT_FORMAT',
          `Entra ID refused the token for ${where(context)}: its subject is in GitHub's immutable format (repo:OWNER@ID/REPO@ID:…), which no federated credential of the app names (AADSTS700213). ${tail}`,
          `Repositories created, renamed or transferred since July 2026 (and those that opted in) present this format, so a credential written for ${legacy ?? 'repo:OWNER/REPO:…'} no longer matches. ${add}`,
        );
      }
      const caseNote = kind === 'subject-case' ? ' A credential matches it only when case is ignored, and Entra compares case.' : '';
      return new ClaimcheckError('ENTRA_SUBJECT_MISMATCH', `Entra ID refused the token for ${where(context)}: no federated credential of the app names its subject (AADSTS${kind === 'subject-case' ? '7002138' : '700213'}).${caseNote} ${tail}`, `${add}. Or run the job where its subject is one a credential names (its branch, tag, environment).`);
    }
  }
}

/** The error for a failure not retried (or a transient one, when no retries were allowed). */
export function explainEntraFailure(failure: EntraFailure, context: EntraContext): ClaimcheckError {
  const kind = classifyEntraFailure(failure);
  const says = entraSays(failure);
  switch (kind) {
    case 'issuer':
    case 'audience':
    case 'subject':
    case 'subject-case':
    case 'no-match':
      return mismatch(failure, context, kind);
    case 'assertion-time': {
      const exp = context.claims.exp;
      const expiry = typeof exp === 'number' ? new Date(exp * 1000).toISOString() : 'unknown';
      return new ClaimcheckError('ENTRA_TOKEN_TIME', `Entra ID refused the token for ${where(context)}: it is not within its valid time range (AADSTS700024; the token expires ${expiry}), also after a fresh token. ${says}.`, "Check the runner's clock (Entra allows little skew), and that nothing holds on to the token: claimcheck sends each token right after it is issued.");
    }
    case 'app-not-found':
      return new ClaimcheckError('ENTRA_APP_NOT_FOUND', `Entra ID has no application with client ID ${context.clientId} in tenant ${context.tenantId} (AADSTS700016). ${says}.`, "Set azure-client-id to the app registration's Application (client) ID (not its Object ID), or the managed identity's Client ID, and azure-tenant-id to the tenant it lives in.");
    case 'tenant-not-found':
      return new ClaimcheckError('ENTRA_TENANT_NOT_FOUND', `Entra ID does not know the tenant ${context.tenantId} at ${context.endpoint} (AADSTS90002). ${says}.`, 'Set azure-tenant-id to the Directory (tenant) ID (az account show --query tenantId), and azure-authority-host to the cloud the tenant is in (sovereign clouds have their own).');
    case 'transient':
      return new ClaimcheckError('ENTRA_UNAVAILABLE', `Entra ID at ${context.endpoint} did not answer usefully${failure.network === undefined ? '' : ` (${failure.network})`}. ${says}.`, 'Entra may be having an incident (status.azure.com); re-run the job. retry-max-attempts and the network path (https_proxy) decide how hard claimcheck tries.');
    default:
      return new ClaimcheckError('ENTRA_INVALID_REQUEST', `Entra ID refused to issue a token for ${where(context)} at ${context.endpoint}. ${says}.`, "Read Entra ID's reason above: a scope (azure-scope) of a resource the tenant does not have, or an app disabled in the tenant, are the usual causes.");
  }
}

/** The error after every attempt failed on a transient fault. */
export function explainEntraExhausted(failure: EntraFailure, attempts: number, elapsedMs: number, context: EntraContext): ClaimcheckError {
  const base = explainEntraFailure(failure, context);
  return new ClaimcheckError('ENTRA_UNAVAILABLE', `${base.message} Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(elapsedMs / 1000)} s.`, base.hint);
}
