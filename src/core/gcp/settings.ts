// The Google Cloud part of the inputs: the Workload Identity Federation provider, the service
// account to impersonate and its tokens' lifetime, the project, and the endpoints (base URLs,
// from the universe domain unless given), parsed strictly into GcpSettings. A step targets
// Google Cloud when it names a provider; the other Google inputs then apply.
import { ClaimcheckError } from '../errors.js';
import { invalid, mapOptional, parseUrlInput, type InputReader } from '../config/input-reader.js';
import { defaultTokenAudience, isProjectId, isServiceAccountEmail, isUniverseDomain, parseProviderName, projectOfServiceAccount, PROVIDER_FORM, providerNameSlip, stsAudience, type ProviderName } from './provider.js';

export interface GcpSettings {
  readonly provider: ProviderName;
  /** The service account to impersonate; undefined: the federated identity itself. */
  readonly serviceAccount: string | undefined;
  /** Each impersonated access token's lifetime. */
  readonly lifetimeSeconds: number;
  /** The project for clients: project-id, else service-account's; undefined when neither says. */
  readonly projectId: string | undefined;
  /** Where the project came from, for the log. */
  readonly projectFrom: 'project-id' | 'service-account' | undefined;
  readonly universe: string;
  /** Base URLs, without a trailing slash. */
  readonly stsEndpoint: string;
  readonly iamCredentialsEndpoint: string;
  /** The CI token's audience: the audience input, else https://iam.<universe>/<provider>. */
  readonly audience: string;
  /** The audience STS is sent and clients are given: //iam.<universe>/<provider>. */
  readonly stsAudience: string;
  /** export: none: outputs only, no credentials file or variables. */
  readonly outputsOnly: boolean;
}

export interface GcpInputContext {
  /** The audience input, if given. */
  readonly audience: string | undefined;
}

/** The shortest and longest impersonated token lifetimes accepted (Google's ceiling is 12 h, with an org policy). */
export const MIN_LIFETIME_SECONDS = 600;
export const MAX_LIFETIME_SECONDS = 43_200;
/** Google's ceiling without the organization policy that extends it. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 3600;

/** The Google Cloud settings, or undefined when the step names no provider. */
export function parseGcpSettings(inputs: InputReader, context: GcpInputContext): GcpSettings | undefined {
  const { read, optional } = inputs;
  const provider = mapOptional(optional('workload-identity-provider'), parseProvider);
  if (!provider) {
    const stray = (['service-account', 'project-id'] as const).find((name) => optional(name) !== undefined);
    if (stray) throw new ClaimcheckError('INPUT_REQUIRED', `Input ${stray} is set, but workload-identity-provider is not, so no Google Cloud credentials would be made.`, `Set workload-identity-provider to ${PROVIDER_FORM}, or remove ${stray}.`);
    return undefined;
  }
  const serviceAccount = mapOptional(optional('service-account'), parseServiceAccount);
  const universe = parseUniverse(read('gcp-universe-domain'));
  const explicitProject = mapOptional(optional('project-id'), parseProjectId);
  const emailProject = serviceAccount === undefined ? undefined : projectOfServiceAccount(serviceAccount);
  const exportMode = read('export');
  return {
    provider,
    serviceAccount,
    lifetimeSeconds: parseLifetime(read('access-token-lifetime')),
    projectId: explicitProject ?? emailProject,
    projectFrom: explicitProject !== undefined ? 'project-id' : emailProject !== undefined ? 'service-account' : undefined,
    universe,
    stsEndpoint: endpoint('gcp-sts-endpoint', optional('gcp-sts-endpoint'), `https://sts.${universe}`),
    iamCredentialsEndpoint: endpoint('gcp-iam-credentials-endpoint', optional('gcp-iam-credentials-endpoint'), `https://iamcredentials.${universe}`),
    audience: context.audience ?? defaultTokenAudience(provider, universe),
    stsAudience: stsAudience(provider, universe),
    outputsOnly: outputsOnly(exportMode, serviceAccount),
  };
}

function parseProvider(text: string): ProviderName {
  const provider = parseProviderName(text);
  if (provider) return provider;
  const error = invalid('workload-identity-provider', text, `a provider's full resource name, ${PROVIDER_FORM}`);
  const slip = providerNameSlip(text);
  throw slip === undefined ? error : new ClaimcheckError(error.code, `${error.message} (${slip})`, error.hint);
}

function parseServiceAccount(text: string): string {
  if (!isServiceAccountEmail(text)) throw invalid('service-account', text, "a service account's email such as deploy@my-project.iam.gserviceaccount.com");
  return text;
}

function parseProjectId(text: string): string {
  if (!isProjectId(text)) throw invalid('project-id', text, 'a project ID (6 to 30 lowercase letters, digits and hyphens, starting with a letter), such as my-project');
  return text;
}

function parseUniverse(text: string): string {
  if (!isUniverseDomain(text)) throw invalid('gcp-universe-domain', text, 'a domain name such as googleapis.com');
  return text;
}

/** 3600 or 3600s, as google-github-actions/auth's access_token_lifetime. */
export function parseLifetime(text: string): number {
  const match = /^(\d{1,6})s?$/.exec(text);
  const seconds = match ? Number(match[1]) : Number.NaN;
  if (!(seconds >= MIN_LIFETIME_SECONDS && seconds <= MAX_LIFETIME_SECONDS)) {
    throw invalid('access-token-lifetime', text, `a number of seconds from ${MIN_LIFETIME_SECONDS} to ${MAX_LIFETIME_SECONDS}, such as 3600s`);
  }
  return seconds;
}

function endpoint(name: string, given: string | undefined, fallback: string): string {
  return (given === undefined ? fallback : parseUrlInput(name, given)).replace(/\/+$/, '');
}

/** export: none hands over only outputs: without impersonation there is none a step may be given. */
function outputsOnly(exportMode: string, serviceAccount: string | undefined): boolean {
  if (exportMode !== 'none') return false;
  if (serviceAccount === undefined) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      'Input export is none, but Google Cloud has nothing to hand over as outputs without service-account: claimcheck never gives out the federated token, which can mint further tokens.',
      'Set service-account to get an access token as the access_token output, or set export to env for the credentials file.',
    );
  }
  return true;
}
