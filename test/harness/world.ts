// A GitHub job's services on loopback: the OIDC issuer, GitHub's token endpoint signing with
// it, and an STS that trusts the issuer for the audience sts.amazonaws.com.
import { startTokenEndpoint, type TokenEndpoint } from './github.ts';
import { startIssuer, type TestIssuer } from './issuer.ts';
import { startSts, type StsDouble } from './sts.ts';
import { webIdentityTrustPolicy } from './trust-policy.ts';

export const DEPLOY_ROLE = 'arn:aws:iam::111122223333:role/deploy';

export interface GithubWorld {
  readonly issuer: TestIssuer;
  readonly endpoint: TokenEndpoint;
  readonly sts: StsDouble;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The `sub` pattern DEPLOY_ROLE trusts; without it STS knows no role (the test sets them). */
  readonly trustedSubject?: string;
  /** Every service answers claimcheck this much later (the bench's --latency). */
  readonly latencyMs?: number;
}

export async function startGithubWorld(options: WorldOptions = {}): Promise<GithubWorld> {
  const latencyMs = options.latencyMs ?? 0;
  const issuer = await startIssuer({ latencyMs });
  const endpoint = await startTokenEndpoint(issuer, { latencyMs });
  const roles = options.trustedSubject === undefined ? [] : [{ arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, options.trustedSubject, 'sts.amazonaws.com') }];
  const sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles, latencyMs });
  return {
    issuer,
    endpoint,
    sts,
    async close() {
      await Promise.all([sts.close(), endpoint.close()]);
      await issuer.close();
    },
  };
}
