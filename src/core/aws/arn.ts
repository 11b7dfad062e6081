// ARNs and regions: parsing, and the partition each belongs to.

export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly accountId: string;
  readonly name: string;
}

// Partition: aws, aws-cn, aws-us-gov, aws-iso-b, … Path: '/' or '/a/b/', printable ASCII.
const PARTITION = 'aws(?:-[a-z]+)*';
const ROLE_ARN = new RegExp(`^arn:(${PARTITION}):iam::(\\d{12}):role/(?:[\\x21-\\x7e]{0,510}/)?([\\w+=,.@-]{1,64})$`);
const POLICY_ARN = new RegExp(`^arn:${PARTITION}:iam::(?:\\d{12}|aws):policy/(?:[\\x21-\\x7e]{0,510}/)?[\\w+=,.@-]{1,128}$`);
const ASSUMED_ROLE_ARN = new RegExp(`^arn:(${PARTITION}):sts::(\\d{12}):assumed-role/(?:([^/]+)/)?`);
const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

export function parseRoleArn(text: string): RoleArn | undefined {
  const match = ROLE_ARN.exec(text);
  if (!match) return undefined;
  // Stryker disable next-line StringLiteral: equivalent: the three groups take part in every match
  const [, partition = '', accountId = '', name = ''] = match;
  return { arn: text, partition, accountId, name };
}

export function isPolicyArn(text: string): boolean {
  return POLICY_ARN.test(text);
}

/** The account of an `arn:…:sts::<account>:assumed-role/…` ARN, as STS returns it. */
export function accountOfAssumedRole(arn: string): string | undefined {
  return ASSUMED_ROLE_ARN.exec(arn)?.[2];
}

/** The role behind `arn:…:sts::<account>:assumed-role/<role>/<session>`, without its path (which that ARN drops). */
export function roleOfAssumedRole(arn: string): string | undefined {
  // Stryker disable next-line ArrayDeclaration: equivalent: any array without a match leaves role undefined
  const [, partition, accountId, role] = ASSUMED_ROLE_ARN.exec(arn) ?? [];
  return role === undefined ? undefined : `arn:${partition}:iam::${accountId}:role/${role}`;
}

export function isPartition(text: string): boolean {
  return new RegExp(`^${PARTITION}$`).test(text);
}

export function isRegion(text: string): boolean {
  return REGION.test(text);
}

// Region prefixes outside the commercial partition; everything else is `aws`.
const PARTITION_BY_REGION_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

export function partitionOfRegion(region: string): string {
  return PARTITION_BY_REGION_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
