// AWS as the flow sees it: a target whose tokens have AWS's audience, exchanged at STS for a
// role session, which hands itself over as variables or profiles.
import type { AwsSettings } from '../../core/aws/settings.js';
import type { Settings } from '../../core/config/settings.js';
import { reachOf } from '../../core/trust/aws/binding.js';
import { issuerKeys } from '../../core/trust/aws/iam/keys.js';
import { VERSION } from '../../core/version.generated.js';
import type { CloudSession, CloudTarget } from '../../flow/cloud.js';
import { assumedFacts, assumeRole, precheckAccounts, type AwsAssumed } from './exchange.js';
import { handOverAws } from './hand-over.js';
import { checkAwsHandOver } from './hand-over-check.js';
import { createSts, type Sts } from './sts.js';

/** An AWS session as the flow hands it on: the exchange's result too, for AWS's own callers. */
export interface AwsSession extends CloudSession {
  readonly assumed: AwsAssumed;
}

export function awsTarget(settings: Settings, aws: AwsSettings, sts: Sts = createSts({ region: aws.region, endpoint: aws.stsEndpoint, userAgent: ['claimcheck', VERSION] })): CloudTarget {
  return {
    cloud: 'aws',
    audience: aws.audience,
    precheck: (context) => precheckAccounts(aws, context.mask),
    checkHandOver: (place) => checkAwsHandOver(aws, place),
    // Loading the SDK holds the thread for tens of ms: first let the requests just started
    // (the token, the issuer's keys) reach the wire, then load it while their answers travel.
    prepare: () => {
      setImmediate(() => sts.prepare());
    },
    async exchange(tokens, context): Promise<AwsSession> {
      const keys = issuerKeys(settings.issuer);
      const assumed = await assumeRole({ settings, aws, sts }, tokens, context);
      return {
        cloud: 'aws',
        token: assumed.token,
        rules: assumed.target.rules,
        facts: assumedFacts(aws, assumed),
        enforces: (rule) => {
          const reach = reachOf(rule, keys);
          return 'key' in reach ? reach.key : undefined;
        },
        assumed,
        handOver: (place) => handOverAws(aws, assumed, place),
      };
    },
  };
}
