// STS through the real AWS SDK client: AssumeRoleWithWebIdentity (unsigned), and AssumeRole
// signed with the previous session's credentials for role chaining. One call is one attempt
// (the SDK's own retries are off); which failures to retry is decided in core/aws/sts-failure.
import { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient, type AssumeRoleCommandInput, type AssumedRoleUser, type Credentials } from '@aws-sdk/client-sts';
import type { StsFailure } from '../../core/aws/sts-failure.js';
import { refuseEndlessSharedFiles } from './shared-files.js';
import { StsCallFailed, type ChainRequest, type RunLabel, type Sts, type StsSession } from './sts.js';

/** The credentials an STS client signs with (the SDK's AwsCredentialIdentity, without importing its types package). */
interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** requestTimeout is an idle timeout; a body that trickles in forever needs a deadline too. */
const ATTEMPT_DEADLINE_MS = 10_000;

const CLIENT_SETTINGS = {
  maxAttempts: 1,
  // Without throwOnRequestTimeout the SDK only warns when the timeout passes, and waits on.
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
};

/**
 * The SDK ignores https_proxy; self-hosted runners behind a proxy need it honoured, with the
 * same rules (no_proxy, loopback bypassed) as every other request claimcheck makes, so the
 * agent comes from @actions/http-client.
 */
function proxiedHandler(endpoint: string, userAgent: string) {
  const url = new URL(endpoint);
  if (!getProxyUrl(url)) return CLIENT_SETTINGS.requestHandler;
  // A tunnelling agent is no https.Agent; the SDK takes any agent that has destroy() and
  // would replace this one with a direct agent otherwise (the proxy test catches that).
  const agent = Object.assign(new HttpClient(userAgent).getAgent(endpoint), { destroy() {} });
  return { ...CLIENT_SETTINGS.requestHandler, ...(url.protocol === 'https:' ? { httpsAgent: agent } : { httpAgent: agent }) };
}

export function createSdkSts(region: string, endpoint: string, userAgent: readonly [string, string]): Pick<Sts, 'assumeRoleWithWebIdentity' | 'assumeRole'> {
  // The client reads ~/.aws/config and credentials as the environment names them.
  refuseEndlessSharedFiles(process.env);
  const base = { ...CLIENT_SETTINGS, requestHandler: proxiedHandler(endpoint, userAgent.join('/')), region, endpoint };
  // A client per call: the run is known only once the token is verified, and a client costs little next to its import.
  const client = (run: RunLabel, credentials?: AwsCredentialIdentity) =>
    new STSClient({ ...base, customUserAgent: [[...userAgent], ...run.map(([name, value]): [string, string] => [`md/${name}`, value])], ...(credentials ? { credentials } : {}) });
  return {
    async assumeRoleWithWebIdentity(request) {
      const command = new AssumeRoleWithWebIdentityCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        WebIdentityToken: request.token,
        DurationSeconds: request.durationSeconds,
        ...sessionPolicies(request),
      });
      const unsigned = client(request.run);
      return sessionOf(await send((abortSignal) => unsigned.send(command, { abortSignal })));
    },
    async assumeRole(request) {
      const { accessKeyId, secretAccessKey, sessionToken } = request.from;
      const signed = client(request.run, { accessKeyId, secretAccessKey, sessionToken });
      return sessionOf(await send((abortSignal) => signed.send(new AssumeRoleCommand(assumeRoleInput(request)), { abortSignal })));
    },
  };
}

function sessionPolicies(request: { readonly inlineSessionPolicy: string | undefined; readonly managedSessionPolicies: readonly string[] }) {
  return {
    ...(request.inlineSessionPolicy === undefined ? {} : { Policy: request.inlineSessionPolicy }),
    ...(request.managedSessionPolicies.length === 0 ? {} : { PolicyArns: request.managedSessionPolicies.map((arn) => ({ arn })) }),
  };
}

/** Only what the hop declares: an empty Tags or TransitiveTagKeys list is not sent. */
function assumeRoleInput(request: ChainRequest): AssumeRoleCommandInput {
  return {
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName,
    DurationSeconds: request.durationSeconds,
    ...sessionPolicies(request),
    ...(request.externalId === undefined ? {} : { ExternalId: request.externalId }),
    ...(request.tags.length === 0 ? {} : { Tags: request.tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
    ...(request.transitiveTagKeys.length === 0 ? {} : { TransitiveTagKeys: [...request.transitiveTagKeys] }),
    ...(request.sourceIdentity === undefined ? {} : { SourceIdentity: request.sourceIdentity }),
  };
}

async function send<T>(call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), ATTEMPT_DEADLINE_MS);
  try {
    return await call(deadline.signal);
  } catch (error) {
    if (deadline.signal.aborted) {
      throw new StsCallFailed({ code: 'TimeoutError', message: `no complete answer within ${ATTEMPT_DEADLINE_MS / 1000} s`, status: undefined, requestId: undefined });
    }
    throw new StsCallFailed(failureOf(error));
  } finally {
    clearTimeout(timer);
  }
}

interface SessionOutput {
  Credentials?: Credentials | undefined;
  AssumedRoleUser?: AssumedRoleUser | undefined;
  SourceIdentity?: string | undefined;
  $metadata?: { requestId?: string | undefined };
}

function sessionOf(output: SessionOutput): StsSession {
  const credentials = output.Credentials;
  const session = {
    accessKeyId: credentials?.AccessKeyId ?? '',
    secretAccessKey: credentials?.SecretAccessKey ?? '',
    sessionToken: credentials?.SessionToken ?? '',
    expiration: credentials?.Expiration ?? new Date(Number.NaN),
    assumedRoleArn: output.AssumedRoleUser?.Arn ?? '',
    assumedRoleId: output.AssumedRoleUser?.AssumedRoleId ?? '',
    sourceIdentity: output.SourceIdentity,
    requestId: output.$metadata?.requestId,
  };
  if (!session.accessKeyId || !session.secretAccessKey || !session.sessionToken || Number.isNaN(session.expiration.getTime()) || !session.assumedRoleArn) {
    throw new StsCallFailed({ code: 'Deserialization', message: 'the response lacks credentials or the assumed role', status: undefined, requestId: undefined });
  }
  return session;
}

interface SdkError {
  name?: unknown;
  /** The wire error code (the SDK renames some: IDPCommunicationError → …Exception). */
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function failureOf(error: unknown): StsFailure {
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const requestId = sdk.$metadata?.requestId;
  const message = typeof sdk.message === 'string' ? sdk.message : String(error);
  // Network faults carry a Node error code; service errors carry $fault and a code as name.
  if (typeof sdk.code === 'string' && sdk.$fault === undefined) return { code: sdk.code, message, status: undefined, requestId: undefined };
  if (sdk.$fault === undefined && status === undefined && sdk.name !== 'TimeoutError') {
    return { code: 'Deserialization', message: `unreadable response (${message})`, status, requestId };
  }
  const code = typeof sdk.Code === 'string' ? sdk.Code : typeof sdk.name === 'string' ? sdk.name : 'Unknown';
  return { code, message, status, requestId };
}
