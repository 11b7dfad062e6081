import { describe, expect, it } from 'vitest';
import { accountOfAssumedRole, isPolicyArn, roleOfAssumedRole, isRegion, parseRoleArn, partitionOfRegion } from '../../src/core/aws/arn.js';

describe('ARNs and regions', () => {
  it('parses role ARNs of any partition, with or without a path', () => {
    expect(parseRoleArn('arn:aws:iam::123456789012:role/deploy')).toEqual({ arn: 'arn:aws:iam::123456789012:role/deploy', partition: 'aws', accountId: '123456789012', name: 'deploy' });
    expect(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/team/ci/deploy')).toMatchObject({ partition: 'aws-us-gov', name: 'deploy' });
    expect(parseRoleArn('arn:aws-iso-b:iam::123456789012:role/x+=,.@_-')).toMatchObject({ partition: 'aws-iso-b', name: 'x+=,.@_-' });
  });

  it.each([
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role/a b',
    'arn:aws:iam:us-east-1:123456789012:role/deploy',
    'arn:aws:sts::123456789012:assumed-role/deploy/x',
    'arn:azure:iam::123456789012:role/deploy',
    ' arn:aws:iam::123456789012:role/deploy',
    `arn:aws:iam::123456789012:role/${'x'.repeat(65)}`,
  ])('refuses %s as a role ARN', (text) => expect(parseRoleArn(text)).toBeUndefined());

  it('reads the account and the role of an assumed-role ARN', () => {
    expect(accountOfAssumedRole('arn:aws:sts::123456789012:assumed-role/deploy/session')).toBe('123456789012');
    expect(accountOfAssumedRole('arn:aws:iam::123456789012:role/deploy')).toBeUndefined();
    expect(roleOfAssumedRole('arn:aws-cn:sts::123456789012:assumed-role/deploy/session')).toBe('arn:aws-cn:iam::123456789012:role/deploy');
    expect(roleOfAssumedRole('arn:aws:iam::123456789012:role/deploy')).toBeUndefined();
  });

  it('knows policy ARNs, AWS-managed and customer-managed', () => {
    expect(isPolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBe(true);
    expect(isPolicyArn('arn:aws:iam::123456789012:policy/team/deploy')).toBe(true);
    expect(isPolicyArn('arn:aws:iam::123456789012:role/deploy')).toBe(false);
  });

  it('maps regions to partitions', () => {
    expect(['us-east-1', 'eu-central-2', 'il-central-1', 'cn-north-1', 'us-gov-west-1', 'us-isob-east-1', 'eusc-de-east-1'].map(partitionOfRegion))
      .toEqual(['aws', 'aws', 'aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b', 'aws-eusc']);
    expect(['us-east-1', 'ap-southeast-4', 'us-gov-west-1'].every(isRegion)).toBe(true);
    expect(['us-east', 'US-EAST-1', 'us_east_1', 'useast1', ''].some(isRegion)).toBe(false);
  });
});
