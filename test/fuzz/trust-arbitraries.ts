// Generators for the trust-verdict properties: GitHub tokens as GitHub issues them (legacy and
// immutable subjects, jobs with and without an environment, pull requests), trust policies of
// several statements (Allow and Deny, every string operator with IfExists and the set
// prefixes, other principals, keys claimcheck cannot see, policy variables) and claim rules,
// all drawn from one small vocabulary so that policies, rules and tokens meet often.
import fc from 'fast-check';
import { expect } from 'vitest';
import { compileLinearRegex } from '../../src/core/rules/linear-regex.js';
import { parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';

export const AUD = 'sts.amazonaws.com';
export const ACCOUNT = '111122223333';

export interface Issuer {
  readonly url: string;
  readonly prefix: string;
  readonly family: 'github' | undefined;
  readonly immutable: boolean;
}

export const GITHUB_ISSUER: Issuer = { url: 'https://token.actions.githubusercontent.com', prefix: 'token.actions.githubusercontent.com', family: 'github', immutable: true };
export const GHES_ISSUER: Issuer = { url: 'https://ghes.example.com/_services/token', prefix: 'ghes.example.com/_services/token', family: undefined, immutable: false };

export const providerArn = (prefix: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${prefix}`;

const OWNERS = ['acme', 'evil', 'a'];
const NAMES = ['api', 'web', 'api.x'];
const IDS = ['1', '2', '10'];
const BRANCHES = ['main', 'dev', 'feature/x', 'a-b'];
const ENVIRONMENTS = ['prod', 'dev', 'prod:x', 'a b'];

const owner = fc.oneof(fc.constantFrom(...OWNERS), fc.stringMatching(/^[a-z][a-z0-9-]{0,3}$/));
const name = fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z._-]{1,4}$/).filter((text) => /[a-z]/.test(text)));
const id = fc.oneof(fc.constantFrom(...IDS), fc.stringMatching(/^[1-9][0-9]{0,3}$/));
const branch = fc.oneof(fc.constantFrom(...BRANCHES), fc.stringMatching(/^[a-z]{1,3}(\/[a-z]{1,2})?$/));
const environment = fc.oneof(fc.constantFrom(...ENVIRONMENTS), fc.stringMatching(/^[a-z]{1,3}$/));
const headsOrTags = fc.tuple(fc.constantFrom('heads', 'tags'), branch).map(([kind, ref]) => `refs/${kind}/${ref}`);
const pullRef = fc.integer({ min: 1, max: 12 }).map((n) => `refs/pull/${n}/merge`);

/** A GitHub token's claims, consistent as GitHub makes them. */
export function githubToken(issuer: Issuer): fc.Arbitrary<Record<string, string>> {
  const context = fc.oneof(
    headsOrTags.map((ref) => ({ ref, context: `ref:${ref}`, environment: undefined as string | undefined })),
    fc.tuple(fc.oneof(headsOrTags, pullRef), environment).map(([ref, env]) => ({ ref, context: `environment:${env}`, environment: env as string | undefined })),
    fc.oneof(pullRef, headsOrTags.filter((ref) => ref.startsWith('refs/heads/'))).map((ref) => ({ ref, context: 'pull_request', environment: undefined as string | undefined })),
  );
  return fc.record({ owner, name, ownerId: id, repositoryId: id, immutable: issuer.immutable ? fc.boolean() : fc.constant(false), context, actor: owner }).map((t) => ({
    sub: t.immutable ? `repo:${t.owner}@${t.ownerId}/${t.name}@${t.repositoryId}:${t.context.context}` : `repo:${t.owner}/${t.name}:${t.context.context}`,
    aud: AUD,
    iss: issuer.url,
    repository: `${t.owner}/${t.name}`,
    repository_owner: t.owner,
    repository_id: t.repositoryId,
    repository_owner_id: t.ownerId,
    ref: t.context.ref,
    ...(t.context.environment === undefined ? {} : { environment: t.context.environment }),
    actor: t.actor,
    actor_id: '583231',
    workflow: 'deploy',
    job_workflow_ref: `${t.owner}/${t.name}/.github/workflows/deploy.yml@${t.context.ref}`,
  }));
}

/** Pieces of claim values, and IAM's wildcards and escapes. */
const VALUE_PIECES = ['repo:', 'acme', 'evil', 'api', 'web', '/', ':', 'ref:', 'refs/heads/', 'refs/tags/', 'main', 'dev', 'environment:', 'prod', 'pull_request', '@', '1', '2', '*', '*', '?', '${*}', '.x'];

const policyValue = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...VALUE_PIECES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.constantFrom('repo:acme/api:ref:refs/heads/main', 'repo:acme/api:*', 'repo:acme/*', 'repo:acme@*/api@*:*', 'acme/api', 'refs/heads/main', 'prod', '1', '2', 'repo:*', '*') },
  { weight: 1, arbitrary: fc.constantFrom('repo:${aws:username}/*', 'x${token.actions.githubusercontent.com:repository}') },
);

const BASES = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'];
const operator = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...BASES) },
  { weight: 1, arbitrary: fc.constantFrom(...BASES).map((base) => `${base}IfExists`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ForAnyValue', 'ForAllValues'), fc.constantFrom(...BASES), fc.boolean()).map(([set, base, ifExists]) => `${set}:${base}${ifExists ? 'IfExists' : ''}`) },
  { weight: 1, arbitrary: fc.constant('Null') },
);

function conditionKey(issuer: Issuer): fc.Arbitrary<string> {
  const own = ['sub', 'sub', 'sub', 'aud', 'repository', 'repository_id', 'repository_owner_id', 'ref', 'ref', 'environment', 'actor'].map((claim) => `${issuer.prefix}:${claim}`);
  return fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: fc.constantFrom('sts:RoleSessionName', 'aws:SourceIp', 'gitlab.com:sub', `${issuer.prefix}:event_name`) });
}

/** Conditions such as people write them: exact subjects, ids and refs, narrow patterns. */
function tightCondition(issuer: Issuer): fc.Arbitrary<readonly [string, string, string | string[]]> {
  const key = (claim: string) => `${issuer.prefix}:${claim}`;
  return fc.oneof(
    fc.constantFrom('repo:acme/api:ref:refs/heads/main', 'repo:acme/api:environment:prod', 'repo:acme@2/api@1:ref:refs/heads/main', 'repo:acme/api:pull_request').map((sub) => ['StringEquals', key('sub'), sub] as const),
    fc.constantFrom('repo:acme/api:*', 'repo:acme/*', 'repo:acme/api:ref:refs/heads/*', 'repo:acme@*/api@*:*', 'repo:*:environment:prod').map((sub) => ['StringLike', key('sub'), sub] as const),
    fc.tuple(fc.constantFrom('repository', 'repository_id', 'repository_owner_id', 'ref', 'environment'), fc.constantFrom('acme/api', '1', '2', 'refs/heads/main', 'prod')).map(([claim, value]) => ['StringEquals', key(claim), value] as const),
    fc.constantFrom(['refs/heads/*', 'refs/tags/v*'], 'refs/heads/*', 'refs/heads/main').map((ref) => ['StringLike', key('ref'), ref] as const),
    fc.constantFrom('StringNotLike', 'StringNotEquals').map((op) => [op, key('ref'), 'refs/heads/dev'] as const),
  );
}

function condition(issuer: Issuer): fc.Arbitrary<Record<string, Record<string, string | string[]>>> {
  const values = fc.oneof(policyValue, fc.array(policyValue, { minLength: 1, maxLength: 3 }));
  const block = (op: string) => fc.dictionary(conditionKey(issuer), op === 'Null' ? fc.constantFrom('true', 'false') : values, { minKeys: 1, maxKeys: 2 });
  const random = fc.array(operator, { minLength: 0, maxLength: 2 }).chain((ops) => fc.tuple(...[...new Set(ops)].map((op) => block(op).map((keys) => [op, keys] as const))));
  const tight = fc.array(tightCondition(issuer), { minLength: 1, maxLength: 3 });
  return fc.tuple(fc.oneof({ weight: 1, arbitrary: random }, { weight: 2, arbitrary: fc.constant([]) }), tight, fc.boolean()).map(([loose, narrow, withAudience]) => {
    const out: Record<string, Record<string, string | string[]>> = {};
    for (const [op, keys] of loose) out[op] = { ...keys };
    for (const [op, key, value] of narrow) (out[op] ??= {})[key] = value;
    if (withAudience) (out.StringEquals ??= {})[`${issuer.prefix}:aud`] = AUD;
    return out;
  });
}

function principal(issuer: Issuer): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant({ Federated: providerArn(issuer.prefix) }) },
    { weight: 1, arbitrary: fc.constant({ Federated: providerArn('gitlab.com') }) },
    { weight: 1, arbitrary: fc.constant({ Service: 'lambda.amazonaws.com' }) },
    { weight: 1, arbitrary: fc.constant({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) },
    { weight: 1, arbitrary: fc.constant('*') },
    { weight: 1, arbitrary: fc.constant({ Federated: [providerArn(issuer.prefix), providerArn('gitlab.com')] }) },
  );
}

export function trustPolicy(issuer: Issuer): fc.Arbitrary<{ Version: string; Statement: object[] }> {
  const statement = fc.record({
    Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Allow', 'Deny'),
    Principal: principal(issuer),
    Action: fc.oneof({ weight: 8, arbitrary: fc.constant('sts:AssumeRoleWithWebIdentity') }, { weight: 1, arbitrary: fc.constantFrom('sts:*', 'sts:AssumeRole', 'sts:TagSession') }),
    Condition: condition(issuer),
  });
  return fc.array(statement, { minLength: 1, maxLength: 3 }).map((statements) => ({ Version: '2012-10-17', Statement: statements }));
}

const RULE_VALUES: Readonly<Record<string, readonly string[]>> = {
  repository: ['acme/api', 'acme/api', 'acme/*', '**', 'acme/**', 'acme/api|acme/web'],
  repository_id: ['1', '1', '1|2', '*'],
  repository_owner: ['acme', 'acme|evil'],
  repository_owner_id: ['2', '1|2'],
  ref: ['refs/heads/main', 'refs/heads/main', 'refs/heads/*', 'refs/heads/**', 'refs/heads/main|refs/tags/v*', 'refs/tags/v*'],
  environment: ['prod', 'prod|dev'],
  sub: ['repo:acme/api:**', 'repo:acme/*:ref:refs/heads/main', 'repo:*/*:pull_request'],
  event_name: ['push'],
};

/** Rules files' lines: claim=pattern (a few regular expressions as well). */
export const ruleLines = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...Object.keys(RULE_VALUES)).chain((claim) => fc.constantFrom(...(RULE_VALUES[claim] as string[])).map((value) => ({ claim, value, regex: false }))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('repository', 'ref', 'sub'), fc.constantFrom('acme/[a-z]+', 'refs/heads/(main|dev)', 'repo:acme/api:.*', '[a-z]+/api(\\.x)?')).map(([claim, value]) => ({ claim, value, regex: true })) },
  ),
  { minLength: 1, maxLength: 3 },
);

const regexes = new Map<string, ReturnType<typeof compileLinearRegex>>();

/** The rules of generated lines (a regular expression compiled once per text). */
export function rulesOf(lines: ReadonlyArray<{ claim: string; value: string; regex: boolean }>): ClaimRule[] {
  const regex = (text: string) => regexes.get(text) ?? (regexes.set(text, compileLinearRegex(text)), regexes.get(text) as ReturnType<typeof compileLinearRegex>);
  return lines.map((line) => (line.regex ? { source: `${line.claim}~${line.value}`, claim: line.claim, alternatives: [{ regex: regex(line.value) }] } : (parseClaimRules(`${line.claim}=${line.value}`)[0] as ClaimRule)));
}

/** Fails with the case shown, computing the text only then (most runs hold). */
export function holds(condition: boolean, show: () => string): void {
  if (!condition) expect.fail(show());
}
