// IAM trust policies for OIDC-federated roles: the condition and policy document that
// would accept a given token. Used to explain an AccessDenied from STS.

/** IAM names OIDC condition keys and provider ARNs by the issuer URL without its scheme. */
export function issuerKeyPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function oidcProviderArn(partition: string, accountId: string, issuer: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerKeyPrefix(issuer)}`;
}

export interface TrustCondition {
  readonly StringEquals: Readonly<Record<string, string>>;
}

/** The narrowest condition that accepts this token: exact `aud` and `sub`. */
export function trustConditionFor(issuer: string, audience: string, subject: string): TrustCondition {
  const prefix = issuerKeyPrefix(issuer);
  return { StringEquals: { [`${prefix}:aud`]: audience, [`${prefix}:sub`]: subject } };
}

export interface TrustPolicyRequest {
  readonly partition: string;
  readonly accountId: string;
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
}

export function trustPolicyFor(request: TrustPolicyRequest): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn(request.partition, request.accountId, request.issuer) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: trustConditionFor(request.issuer, request.audience, request.subject),
      },
    ],
  };
}
