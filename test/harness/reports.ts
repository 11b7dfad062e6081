// Run reports of one AWS session, written the way the report tests think of them: the AWS
// facts and each rule's binding ('aws' on a key, or 'claimcheck' only) in one object.
import { awsFacts, type AwsRunFacts } from '../../src/core/aws/report.js';
import type { RunReport } from '../../src/core/report/report.js';

export interface AwsReportFields extends AwsRunFacts {
  readonly version: string;
  readonly job: RunReport['job'];
  readonly issuer: string;
  readonly subject: string;
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly held: boolean; readonly binds: 'aws' | 'claimcheck'; readonly key?: string }>;
}

export function awsRunReport(fields: AwsReportFields): RunReport {
  const { version, job, issuer, subject, rules } = fields;
  return {
    version,
    job,
    issuer,
    subject,
    clouds: [awsFacts(fields)],
    rules: rules.map(({ rule, held, binds, key }) => ({ rule, held, binds: binds === 'aws' ? [{ cloud: 'aws', ...(key === undefined ? {} : { key }) }] : [] })),
  };
}
