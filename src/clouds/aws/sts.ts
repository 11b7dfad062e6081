// STS as the flow sees it: AssumeRoleWithWebIdentity, and AssumeRole for role chaining. The
// AWS SDK behind it (sts-sdk.ts) is the largest part of the bundle, so it is loaded on first
// use, or ahead of it by prepare() while the job's token is still on its way.
import type { RunLabel } from '../../core/report/run-label.js';
import type { StsFailure } from '../../core/aws/sts-failure.js';

export type { RunLabel } from '../../core/report/run-label.js';

export interface WebIdentityRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly token: string;
  readonly durationSeconds: number;
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
  readonly run: RunLabel;
}

export interface StsSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly assumedRoleArn: string;
  readonly assumedRoleId: string;
  /** The session's source identity, as STS returned it. */
  readonly sourceIdentity?: string | undefined;
  /** STS's request ID for the call that made the session (CloudTrail's requestID). */
  readonly requestId?: string | undefined;
}

export interface SessionTagValue {
  readonly key: string;
  readonly value: string;
}

export interface ChainRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  /** The session whose credentials sign the call. */
  readonly from: StsSession;
  readonly externalId: string | undefined;
  readonly tags: readonly SessionTagValue[];
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity: string | undefined;
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
  readonly run: RunLabel;
}

export interface Sts {
  /** Starts loading the SDK, so that the first call does not wait for it. */
  prepare(): void;
  assumeRoleWithWebIdentity(request: WebIdentityRequest): Promise<StsSession>;
  assumeRole(request: ChainRequest): Promise<StsSession>;
  /** The endpoint called, for messages. */
  readonly endpoint: string;
}

/** A failed call, carrying what AWS (or the network) said. */
export class StsCallFailed extends Error {
  readonly failure: StsFailure;

  constructor(failure: StsFailure) {
    super(`${failure.code}: ${failure.message}`);
    this.failure = failure;
  }
}

export interface StsClientOptions {
  readonly region: string;
  readonly endpoint: string | undefined;
  /** `name/version` of claimcheck, first in what the SDK appends to its User-Agent. */
  readonly userAgent: readonly [name: string, version: string];
}

export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function createSts(options: StsClientOptions): Sts {
  const endpoint = options.endpoint ?? regionalStsEndpoint(options.region);
  let client: Promise<Pick<Sts, 'assumeRoleWithWebIdentity' | 'assumeRole'>> | undefined;
  const load = () => {
    client ??= import('./sts-sdk.js').then((sdk) => sdk.createSdkSts(options.region, endpoint, options.userAgent));
    return client;
  };
  return {
    endpoint,
    prepare() {
      load().catch(() => {}); // a failed load is reported by the call that awaits it
    },
    async assumeRoleWithWebIdentity(request) {
      return (await load()).assumeRoleWithWebIdentity(request);
    },
    async assumeRole(request) {
      return (await load()).assumeRole(request);
    },
  };
}
