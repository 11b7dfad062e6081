// A GitHub job's services on loopback: the OIDC issuer, GitHub's token endpoint signing with
// it, and an STS that trusts the issuer for the audience sts.amazonaws.com.
import { join } from 'node:path';
import { REPO_ROOT, runStep, startTokenEndpoint, type StepRun, type TokenEndpoint } from './github.ts';
import { startIssuer, type TestIssuer } from './issuer.ts';
import { nodeRuntimes } from './runtimes.ts';
import { startSts, type ConditionKeyFamily, type StsDouble, type StsRole } from './sts.ts';
import { webIdentityTrustPolicy } from './trust-policy.ts';

export const DEPLOY_ROLE = 'arn:aws:iam::111122223333:role/deploy';

export interface GithubWorld {
  readonly issuer: TestIssuer;
  readonly endpoint: TokenEndpoint;
  readonly sts: StsDouble;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The `sub` pattern DEPLOY_ROLE trusts; without it (or trustPolicy) STS knows no role (the test sets them). */
  readonly trustedSubject?: string;
  /**
   * DEPLOY_ROLE's whole trust policy, instead of trustedSubject: the document, or a function
   * of the issuer's host (`127.0.0.1:PORT`, the prefix of its condition keys) that returns it.
   */
  readonly trustPolicy?: object | ((issuerHost: string) => object);
  /** Whose provider claims STS evaluates as `<issuer host>:<claim>` keys; default none (sub and aud only). */
  readonly conditionKeys?: ConditionKeyFamily;
  /** Every service answers claimcheck this much later (the bench's --latency). */
  readonly latencyMs?: number;
}

export async function startGithubWorld(options: WorldOptions = {}): Promise<GithubWorld> {
  const latencyMs = options.latencyMs ?? 0;
  const issuer = await startIssuer({ latencyMs });
  const endpoint = await startTokenEndpoint(issuer, { latencyMs });
  const provider = { issuer: issuer.url, clientIds: ['sts.amazonaws.com'], ...(options.conditionKeys ? { conditionKeys: options.conditionKeys } : {}) };
  const sts = await startSts({ providers: [provider], roles: deployRoles(options, issuer.host), latencyMs });
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

function deployRoles(options: WorldOptions, issuerHost: string): StsRole[] {
  const { trustedSubject, trustPolicy } = options;
  if (trustedSubject !== undefined && trustPolicy !== undefined) throw new Error('startGithubWorld: give trustedSubject or trustPolicy, not both');
  if (trustPolicy !== undefined) return [{ arn: DEPLOY_ROLE, trustPolicy: typeof trustPolicy === 'function' ? trustPolicy(issuerHost) : trustPolicy }];
  if (trustedSubject !== undefined) return [{ arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuerHost, trustedSubject, 'sts.amazonaws.com') }];
  return [];
}

export interface MainStepOptions {
  /** The node binary; Node 24, GitHub's node24 runtime, unless given. */
  readonly node?: string;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

/**
 * The built Action's main step against these services: DEPLOY_ROLE in us-east-1, the
 * world's issuer and STS, debug logging on (so leak scans cover debug lines too).
 */
export function runMainStep(
  world: { readonly issuer: TestIssuer; readonly endpoint: TokenEndpoint; readonly sts: { readonly url: string } },
  inputs: Record<string, string> = {},
  options: MainStepOptions = {},
): Promise<StepRun> {
  return runStep({
    node: options.node ?? (nodeRuntimes()[0] as { node: string }).node,
    script: join(REPO_ROOT, 'dist/main/index.js'),
    tokenEndpoint: world.endpoint,
    inputs: { 'role-to-assume': DEPLOY_ROLE, 'aws-region': 'us-east-1', issuer: world.issuer.url, 'sts-endpoint': world.sts.url, ...inputs },
    // The SDK warns on Node 20 that it will need Node 22 from 2027; GitHub runs node24.
    env: { RUNNER_DEBUG: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
