// Generated from action.yml by scripts/build.mjs. Do not edit: change action.yml.
export const INPUTS = {
  "role-to-assume": { required: false, default: "", description: "ARN of the IAM role to assume, in any partition (arn:aws:iam::123456789012:role/deploy). Required unless rules-file holds a role map." },
  "aws-region": { required: true, default: "", description: "AWS region for STS and for the exported AWS_REGION / AWS_DEFAULT_REGION (us-east-1)." },
  "audience": { required: false, default: "sts.amazonaws.com", description: "Audience to request the OIDC token for; must be a client ID of the role's IAM OIDC provider. Use sts.amazonaws.com.cn in the China partition." },
  "claims": { required: false, default: "", description: "Rules the token's claims must meet before STS is called, one per line, all must hold: claim=value, with * matching within a path segment (not across / or :), ** matching anything, and a|b for alternatives. Example: repository=acme/api and ref=refs/heads/main|refs/tags/v*." },
  "role-chain": { required: false, default: "", description: "Further IAM role ARNs to assume in order, each with the credentials of the one before (AssumeRole), one per line or comma-separated; the last one's credentials are exported. AWS caps chained sessions at 1 hour." },
  "rules-file": { required: false, default: "", description: "Path to a rules file (YAML or JSON; schema/rules.schema.json): claim rules that must all hold, and optionally a role map, an ordered list of roles each with its own claim rules, of which the first that matches decides the role." },
  "issuer": { required: false, default: "https://token.actions.githubusercontent.com", description: "Expected token issuer. GitHub Enterprise Cloud with a custom issuer: https://token.actions.githubusercontent.com/<enterprise>; GitHub Enterprise Server: https://<host>/_services/token. http:// only for loopback hosts." },
  "role-session-name": { required: false, default: "", description: "Name of the role session (2-64 characters of letters, digits and +=,.@_-). Default: derived from the repository, run id and attempt, so CloudTrail shows which run it was." },
  "role-duration-seconds": { required: false, default: "3600", description: "Lifetime of the credentials in seconds, 900 to 43200, at most the role's maximum." },
  "inline-session-policy": { required: false, default: "", description: "An IAM policy document (JSON, at most 2048 characters) that narrows the session's permissions." },
  "managed-session-policies": { required: false, default: "", description: "Up to 10 managed policy ARNs, one per line or comma-separated, that narrow the session's permissions." },
  "allowed-account-ids": { required: false, default: "", description: "Comma-separated AWS account IDs the role must belong to; the step fails before any export otherwise." },
  "mask-aws-account-id": { required: false, default: "false", description: "Mask the AWS account ID in logs and the step summary (true or false)." },
  "refresh": { required: false, default: "false", description: "Keep credentials valid in jobs that outlast the session: instead of exporting keys, write a profile (aws-profile, default claimcheck) whose credential_process runs claimcheck again near expiry for a fresh token and session, and export AWS_PROFILE. Every AWS SDK and the AWS CLI use it. true or false." },
  "aws-profile": { required: false, default: "", description: "Write the credentials to this named profile in the AWS shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws) instead of exporting them as environment variables, so that one job can hold several roles side by side. Letters, digits and . _ - only." },
  "output-credentials": { required: false, default: "false", description: "Also set the credentials as step outputs (true or false). They are masked either way." },
  "sts-endpoint": { required: false, default: "", description: "STS endpoint URL to call instead of the regional one (https://, or http:// for loopback only). AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL are honoured when this is empty." },
  "retry-max-attempts": { required: false, default: "5", description: "Attempts per network call (token request, key fetch, STS), 1 to 10, for faults that can pass (5xx, throttling, resets). Errors that cannot pass are never retried." },
  "clock-tolerance": { required: false, default: "60", description: "Seconds of clock skew allowed when checking the token's exp, nbf and iat (0 to 300)." },
} as const;

export type InputName = keyof typeof INPUTS;
