// Partitions as the trust-policy and settings code checks them (src/core/aws/arn.ts).
import { describe, expect, it } from 'vitest';
import { isPartition, roleOfAssumedRole } from '../../src/core/aws/arn.js';

describe('partitions', () => {
  it.each(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b', 'aws-eusc'])('knows %s', (text) => expect(isPartition(text)).toBe(true));
  it.each(['', 'AWS', 'azure', 'aws-', 'awscn', 'x-aws', 'aws-cn ', 'aws-c1'])('refuses %j', (text) => expect(isPartition(text)).toBe(false));

  it('rebuilds the role of an assumed-role ARN in its partition and account', () => {
    expect(roleOfAssumedRole('arn:aws-us-gov:sts::123456789012:assumed-role/deploy/acme.api@1-1')).toBe('arn:aws-us-gov:iam::123456789012:role/deploy');
  });
});
