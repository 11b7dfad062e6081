// The flow with AWS as its one cloud and a fake STS: what the unit tests of the exchange call,
// in the shape they were written for (one deps object, the AWS session's result back).
import { awsTarget, type AwsSession } from '../../src/clouds/aws/cloud.js';
import type { AwsAssumed } from '../../src/clouds/aws/exchange.js';
import type { Sts } from '../../src/clouds/aws/sts.js';
import type { Settings } from '../../src/core/config/settings.js';
import type { JobNaming } from '../../src/flow/cloud.js';
import { exchange, type FlowDeps } from '../../src/flow/exchange.js';
import type { VerifiedToken } from '../../src/oidc/verify.js';

export interface AssumeRoleDeps extends Omit<FlowDeps, 'naming' | 'verifyToken'> {
  readonly sts: Sts;
  readonly verifyToken: (token: string) => Promise<VerifiedToken>;
  readonly defaultSessionName: JobNaming['sessionName'];
  readonly runLabel?: JobNaming['runLabel'];
}

export async function assumeRole(settings: Settings, deps: AssumeRoleDeps): Promise<AwsAssumed> {
  if (!settings.aws) throw new Error('these settings target no AWS role');
  const flow: FlowDeps = { ...deps, verifyToken: (token) => deps.verifyToken(token), naming: { sessionName: deps.defaultSessionName, runLabel: deps.runLabel ?? (() => []) } };
  const [session] = await exchange(settings, [awsTarget(settings, settings.aws, deps.sts)], flow);
  return (session as AwsSession).assumed;
}
