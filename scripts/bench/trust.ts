// The trust-verdict figures of `npm run bench`: `trust-policy --check` of a 20-statement policy
// against 10 rules, and `audit` of an account of 500 roles, each a CLI process (dist/cli) timed
// spawn → exit like the other cases. The fixtures are written here: a GitHub role's policy with
// Allow and Deny statements on the provider's keys and subject, and an account whose roles trust
// GitHub, GitLab, CircleCI, Buildkite and Bitbucket (open, names-only, pinned, a key claimcheck
// cannot see) or no OIDC provider at all; and `trust-policy --cloud azure --check` of an app's
// 20 federated credentials (Entra's limit: exact subjects in both GitHub formats, flexible ones,
// two audiences) against the same 10 rules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ACCOUNT = '111122223333';
const GH = 'token.actions.githubusercontent.com';
const provider = (host: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}`;

function statement(effect: 'Allow' | 'Deny', condition: object, host = GH): object {
  return { Effect: effect, Principal: { Federated: provider(host) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition };
}

/** 20 statements: pinned by id, refs and environments, subjects, a few Denies. */
function checkPolicy(): object {
  const aud = { [`${GH}:aud`]: 'sts.amazonaws.com' };
  const statements: object[] = [];
  for (let i = 0; i < 17; i++) {
    const pinned = { ...aud, [`${GH}:repository_id`]: '100000001', [`${GH}:repository_owner_id`]: '200000002' };
    const ref = i % 3 === 0 ? { StringLike: { [`${GH}:ref`]: [`refs/heads/release-${i}/*`, 'refs/tags/v*'] }, StringNotLike: { [`${GH}:ref`]: ['*/*/*/*/*', '*:*'] } } : { StringEquals: { ...pinned, [`${GH}:ref`]: `refs/heads/team-${i}` } };
    const env = i % 4 === 1 ? { StringEquals: { ...pinned, [`${GH}:environment`]: [`prod-${i}`, `stage-${i}`], [`${GH}:ref`]: 'refs/heads/main' } } : undefined;
    statements.push(statement('Allow', env ?? (i % 3 === 0 ? { StringEquals: pinned, ...ref } : ref)));
  }
  statements.push(statement('Deny', { StringEquals: { [`${GH}:actor`]: 'dependabot[bot]' } }));
  statements.push(statement('Deny', { StringLike: { [`${GH}:job_workflow_ref`]: '*/.github/workflows/untrusted-*' } }));
  statements.push(statement('Deny', { StringEquals: { [`${GH}:workflow`]: 'fork-tests' } }));
  return { Version: '2012-10-17', Statement: statements };
}

const RULES = `version: 1
platform: github
claims:
  repository_id: "100000001"
  repository_owner_id: "200000002"
  ref: ["refs/heads/team-*", "refs/heads/main", "refs/heads/release-*/**", "refs/tags/v*"]
  environment: { regex: "(prod|stage)-[0-9]+" }
  actor: ["octocat", "hubot", "*"]
  workflow: ["deploy", "release", "ci-*"]
  job_workflow_ref: "acme/**"
  repository: "acme/*"
  sub: "repo:**"
  aud: sts.amazonaws.com
`;

function role(index: number): object {
  const name = `role-${index}`;
  const arn = `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const allow = (host: string, condition: object) => ({ Version: '2012-10-17', Statement: [statement('Allow', condition, host)] });
  const kinds: Array<() => object> = [
    () => allow(GH, { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' } }),
    () => allow(GH, { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: `repo:org-${index}/*:ref:refs/heads/main` } }),
    () => allow(GH, { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:repository_id`]: `${100000 + index}` } }),
    () => allow(GH, { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', 'sts:RoleSessionName': `session-${index}` } }),
    () => allow('gitlab.com', { StringEquals: { 'gitlab.com:project_id': `${4200 + index}` }, StringLike: { 'gitlab.com:sub': 'project_path:acme/*' } }),
    () => allow(`oidc.circleci.com/org/3f1c0c2e-0000-4000-8000-${`${index}`.padStart(12, '0')}`, { StringLike: { [`oidc.circleci.com/org/3f1c0c2e-0000-4000-8000-${`${index}`.padStart(12, '0')}:sub`]: `org/*/project/*` } }),
    () => allow('agent.buildkite.com', { StringEquals: { 'agent.buildkite.com:organization_slug': `org-${index}` } }),
    () => allow('api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', { StringLike: { 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc:sub': '{5d6b0e4a-0000-4000-8000-000000000001}:*' } }),
    () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] }),
  ];
  const document = (kinds[index % kinds.length] as () => object)();
  return { RoleName: name, Arn: arn, AssumeRolePolicyDocument: index % 2 === 0 ? encodeURIComponent(JSON.stringify(document)) : document };
}

/** 20 credentials, as az ad app federated-credential list prints them. */
function azureCredentials(): object[] {
  const issuer = `https://${GH}`;
  return Array.from({ length: 20 }, (_, i) => {
    const base = { id: `00000000-0000-4000-8000-${`${i}`.padStart(12, '0')}`, name: `ci-${i}`, issuer, audiences: i % 5 === 4 ? ['api://AzureADTokenExchange', 'api://other'] : ['api://AzureADTokenExchange'], description: null };
    if (i % 4 === 3) return { ...base, subject: null, claimsMatchingExpression: { languageVersion: 1, value: `claims['sub'] matches 'repo:acme/api:ref:refs/heads/release-${i}/*' and claims['repository_id'] eq '100000001' and claims['job_workflow_ref'] matches 'acme/*/.github/workflows/*@refs/heads/*'` } };
    const context = i % 3 === 0 ? `environment:prod-${i}` : `ref:refs/heads/team-${i}`;
    return { ...base, subject: i % 2 === 0 ? `repo:acme@200000002/api@100000001:${context}` : `repo:acme/api:${context}` };
  });
}

export interface TrustFixtures {
  readonly checkArgs: readonly string[];
  readonly auditArgs: readonly string[];
  readonly azureCheckArgs: readonly string[];
}

/** Writes the fixtures into `dir`; the CLI arguments that use them. */
export function writeTrustFixtures(dir: string): TrustFixtures {
  const policy = join(dir, 'policy-20.json');
  const rules = join(dir, 'rules-10.yml');
  const account = join(dir, 'account-500.json');
  writeFileSync(policy, JSON.stringify(checkPolicy()));
  writeFileSync(rules, RULES);
  writeFileSync(account, JSON.stringify({ RoleDetailList: Array.from({ length: 500 }, (_, index) => role(index)) }));
  const credentials = join(dir, 'azure-credentials-20.json');
  const azureRules = join(dir, 'rules-10-azure.yml');
  writeFileSync(credentials, JSON.stringify(azureCredentials()));
  writeFileSync(azureRules, RULES.replace('aud: sts.amazonaws.com', 'aud: api://AzureADTokenExchange'));
  return {
    checkArgs: ['trust-policy', '--check', policy, '--rules-file', rules],
    auditArgs: ['audit', account, '--format', 'json'],
    azureCheckArgs: ['trust-policy', '--cloud', 'azure', '--check', credentials, '--rules-file', azureRules],
  };
}
