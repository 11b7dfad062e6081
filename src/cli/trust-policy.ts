// `claimcheck trust-policy`: the IAM role trust policy (JSON, or Terraform with the OIDC
// provider) that accepts exactly a given token, or a repository's branches, tags,
// environments and pull requests, or CircleCI projects.
import { decodeJwt } from 'jose';
import { isPartition } from '../core/arn.js';
import { ClaimcheckError } from '../core/errors.js';
import { INPUTS } from '../core/inputs.generated.js';
import { circleciSubjects, githubSubjects, terraformFor, trustPolicyDocument, type TrustSpec } from '../core/trust-policy.js';
import { circleciIssuer } from '../platform/circleci/inputs.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import type { CliIo } from './io.js';
import { TOKEN_FLAGS, tokenSource } from './token-source.js';

export const TRUST_POLICY_FLAGS: Flags = {
  'account-id': { kind: 'string', value: '123456789012', description: 'The AWS account of the role and the IAM OIDC provider (required).' },
  'token-file': TOKEN_FLAGS['token-file']!,
  'token-env': TOKEN_FLAGS['token-env']!,
  platform: { kind: 'string', value: 'github|circleci', description: 'Build the policy from the flags below instead of a token.' },
  repository: { kind: 'string', value: 'owner/repo', description: 'GitHub: the repository to trust.' },
  branch: { kind: 'list', value: 'name', description: 'GitHub: trust this branch (IAM wildcards * and ? allowed).' },
  tag: { kind: 'list', value: 'name', description: 'GitHub: trust this tag (e.g. v*).' },
  environment: { kind: 'list', value: 'name', description: 'GitHub: trust jobs in this deployment environment.' },
  'pull-request': { kind: 'boolean', description: 'GitHub: trust pull_request workflows.' },
  'org-id': { kind: 'string', value: 'uuid', description: 'CircleCI: the organization ID.' },
  'project-id': { kind: 'list', value: 'uuid', description: 'CircleCI: trust jobs of this project.' },
  issuer: { kind: 'string', value: 'url', description: "The issuer (default: the platform's, or the token's)." },
  audience: { kind: 'string', value: 'aud', description: "The audience (default sts.amazonaws.com, or the token's)." },
  partition: { kind: 'string', value: 'aws', description: 'The AWS partition (default aws; aws-cn, aws-us-gov, …).' },
  format: { kind: 'string', value: 'json|terraform', description: 'JSON policy document (default), or Terraform for the provider and role.' },
  'role-name': { kind: 'string', value: 'name', description: 'Terraform: the role name (default ci-deploy).' },
};

export const TRUST_POLICY_USAGE = 'claimcheck trust-policy --account-id <id> (--token-file <path> | --platform github --repository <owner/repo> --branch <name> … | --platform circleci --org-id <uuid> --project-id <uuid> …) [--format json|terraform]';

function fromToken(token: string, flags: ParsedFlags): Omit<TrustSpec, 'partition' | 'accountId'> {
  let claims;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new ClaimcheckError('TOKEN_MALFORMED', 'The token is not a JWT: its payload is not base64url-encoded JSON.', 'Pass the OIDC ID token itself, unmodified.');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof aud !== 'string') {
    throw new ClaimcheckError('TOKEN_CLAIMS', 'The token lacks iss, aud or sub, which a trust policy matches on.', 'Use an OIDC ID token from your CI provider.');
  }
  return { issuer: flags.strings.get('issuer') ?? claims.iss, audience: flags.strings.get('audience') ?? aud, subjects: [claims.sub] };
}

function fromFlags(flags: ParsedFlags): Omit<TrustSpec, 'partition' | 'accountId'> {
  const list = (name: string) => flags.lists.get(name) ?? [];
  const audience = flags.strings.get('audience') ?? INPUTS.audience.default;
  const platform = flags.strings.get('platform');
  if (platform === 'github') {
    const repository = flags.strings.get('repository');
    if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new UsageError('--repository owner/repo is required with --platform github');
    const subjects = githubSubjects({ repository, branches: list('branch'), tags: list('tag'), environments: list('environment'), pullRequests: flags.booleans.has('pull-request') });
    if (subjects.length === 0) throw new UsageError('say what to trust: --branch, --tag, --environment or --pull-request');
    return { issuer: flags.strings.get('issuer') ?? INPUTS.issuer.default, audience, subjects };
  }
  if (platform === 'circleci') {
    const organization = flags.strings.get('org-id');
    if (!organization || list('project-id').length === 0) throw new UsageError('--org-id and at least one --project-id are required with --platform circleci');
    return { issuer: flags.strings.get('issuer') ?? circleciIssuer(organization), audience, subjects: circleciSubjects(organization, list('project-id')) };
  }
  throw new UsageError('give --token-file or --token-env, or --platform github or circleci');
}

export async function trustPolicyCommand(argv: readonly string[], io: CliIo): Promise<void> {
  const flags = parseFlags(argv, TRUST_POLICY_FLAGS);
  const accountId = flags.strings.get('account-id') ?? '';
  if (!/^\d{12}$/.test(accountId)) throw new UsageError('--account-id must be a 12-digit AWS account ID');
  const partition = flags.strings.get('partition') ?? 'aws';
  if (!isPartition(partition)) throw new UsageError('--partition must be an AWS partition such as aws, aws-cn or aws-us-gov');
  const format = flags.strings.get('format') ?? 'json';
  if (format !== 'json' && format !== 'terraform') throw new UsageError('--format must be json or terraform');
  const fromAToken = flags.strings.has('token-file') || flags.strings.has('token-env');
  if (fromAToken && flags.strings.has('platform')) throw new UsageError('give a token or --platform, not both');
  const base = fromAToken ? fromToken(await tokenSource(flags, io)(), flags) : fromFlags(flags);
  if (fromAToken) io.stderr('Note: the token was decoded, not verified; the policy accepts exactly its issuer, audience and subject.\n');
  const spec: TrustSpec = { ...base, partition, accountId };
  io.stdout(format === 'json' ? `${JSON.stringify(trustPolicyDocument(spec), null, 2)}\n` : terraformFor(spec, flags.strings.get('role-name') ?? 'ci-deploy'));
}
