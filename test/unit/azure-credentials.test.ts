// trust-policy --cloud azure's compiler: the federated credentials that make Entra enforce the
// rules, one per exact subject, flexible ones only where a wildcard needs one and the issuer
// has them, and each rule reported where it binds; never a wider set in silence.
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { parseClaimRules } from '../../src/core/rules/rules.js';
import { compileCredentials, type AzureTrustOptions } from '../../src/core/trust/azure/compile.js';
import { CREDENTIAL_NAME } from '../../src/core/trust/azure/credential.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';
const options = (more: Partial<AzureTrustOptions> = {}): AzureTrustOptions => ({ issuer: GITHUB, audience: AUDIENCE, platform: undefined, subjectFormat: undefined, flexible: 'needed', allowUnpinned: false, ...more });
const compile = (rules: string, more: Partial<AzureTrustOptions> = {}) => compileCredentials(parseClaimRules(rules), options(more));
const refusal = (rules: string, more: Partial<AzureTrustOptions> = {}): ClaimcheckError => {
  try {
    compile(rules, more);
  } catch (error) {
    if (error instanceof ClaimcheckError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};
const bindings = (result: ReturnType<typeof compile>) => Object.fromEntries(result.bindings.map((binding) => [binding.rule.source, binding.where === 'claimcheck' ? `claimcheck: ${binding.reason}` : `${binding.where} ${binding.key}`]));
const IDS = 'repository_owner_id=987654\nrepository_id=123456789';

describe('GitHub: exact subjects', () => {
  it('makes one credential per subject the rules allow, in the shape az ad app federated-credential create takes', () => {
    const result = compile('repository=acme/api\nref=refs/heads/main|refs/heads/release');
    expect(result.credentials.map((credential) => credential.subject)).toEqual(['repo:acme/api:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/release']);
    for (const credential of result.credentials) {
      expect(Object.keys(credential).sort()).toEqual(['audiences', 'description', 'issuer', 'name', 'subject']);
      expect(credential).toMatchObject({ issuer: GITHUB, audiences: [AUDIENCE] });
      expect(credential.name).toMatch(CREDENTIAL_NAME);
    }
    expect(new Set(result.credentials.map((credential) => credential.name)).size).toBe(2);
    expect(bindings(result)).toEqual({ 'repository=acme/api': 'azure subject', 'ref=refs/heads/main|refs/heads/release': 'azure subject' });
    expect(result.notes.join('\n')).toContain("GitHub's immutable subject format");
  });

  it('with the ids, names both subject formats; the ids bind only where the immutable subject carries them', () => {
    const result = compile(`repository=acme/api\n${IDS}\nenvironment=prod`);
    expect(result.credentials.map((credential) => credential.subject)).toEqual(['repo:acme/api:environment:prod', 'repo:acme@987654/api@123456789:environment:prod']);
    expect(bindings(result)['repository_id=123456789']).toMatch(/^claimcheck: the credentials for the name-based subject, repo:OWNER\/REPO:…, do not check it/);
    expect(compile(`repository=acme/api\n${IDS}\nenvironment=prod`, { subjectFormat: 'immutable' }).credentials.map((credential) => credential.subject)).toEqual(['repo:acme@987654/api@123456789:environment:prod']);
    expect(bindings(compile(`repository=acme/api\n${IDS}\nenvironment=prod`, { subjectFormat: 'immutable' }))['repository_id=123456789']).toBe('azure subject');
  });

  it('refuses the immutable format alone without the ids', () => {
    expect(refusal('repository=acme/api\nref=refs/heads/main', { subjectFormat: 'immutable' }).message).toMatch(/immutable subjects .* need the ids/);
  });

  it("says which rules GitHub's subject does not carry", () => {
    const result = compile('repository=acme/api\nenvironment=prod\nref=refs/heads/main\nactor=octocat\nevent_name=push');
    expect(bindings(result)).toMatchObject({
      'ref=refs/heads/main': expect.stringMatching(/claimcheck: a job in an environment presents …:environment:NAME/),
      'actor=octocat': expect.stringMatching(/claimcheck: Entra's credentials match the issuer, the subject and the audience \(flexible ones also job_workflow_ref, repository_id, repository_owner_id\), and GitHub's subject does not carry actor/),
      'event_name=push': expect.stringMatching(/claimcheck: GitHub's subject names the event only for pull_request runs/),
    });
    expect(compile('repository=acme/api\nevent_name=pull_request').credentials.map((credential) => credential.subject)).toEqual(['repo:acme/api:pull_request']);
  });

  it('refuses more than Entra holds per app', () => {
    const refs = Array.from({ length: 21 }, (_, index) => `refs/heads/b${index}`).join('|');
    expect(refusal(`repository=acme/api\nref=${refs}`).message).toMatch(/allow 21 subjects, each its own federated credential, and Entra holds at most 20 per app/);
  });
});

describe('GitHub: wildcards need a flexible credential, which needs an id', () => {
  it('a ** pattern becomes claims matches with the ids as eq clauses, bound exactly', () => {
    const result = compile(`repository=acme/api\n${IDS}\nref=refs/heads/release/**`, { subjectFormat: 'legacy' });
    expect(result.credentials).toHaveLength(1);
    expect(result.credentials[0]).not.toHaveProperty('subject');
    expect(result.credentials[0]?.claimsMatchingExpression).toEqual({
      value: "claims['sub'] matches 'repo:acme/api:ref:refs/heads/release/*' and claims['repository_owner_id'] eq '987654' and claims['repository_id'] eq '123456789'",
      languageVersion: 1,
    });
    expect(bindings(result)).toMatchObject({ 'ref=refs/heads/release/**': 'azure subject', 'repository_id=123456789': "azure claims['repository_id']" });
    expect(result.notes.join('\n')).toContain('flexible credentials (claimsMatchingExpression) are in preview');
  });

  it("a * (one segment) is wider at Entra, whose * crosses / and :, and says so", () => {
    const result = compile(`repository=acme/api\n${IDS}\nref=refs/heads/release-*`, { subjectFormat: 'legacy' });
    const binding = result.bindings.find((entry) => entry.rule.source === 'ref=refs/heads/release-*');
    expect(binding).toMatchObject({ where: 'azure-wider', note: expect.stringContaining("Entra's * also crosses / and :") });
    expect(result.credentials[0]?.description).toContain('Wider than ref=refs/heads/release-*');
  });

  it('refuses a wildcard without a rule on repository_id or repository_owner_id, which Entra demands', () => {
    expect(refusal('repository=acme/api\nref=refs/heads/release/**').message).toMatch(/must also match repository_id or repository_owner_id exactly/);
  });

  it('refuses a wildcard where flexible credentials are not wanted or not offered (an enterprise issuer)', () => {
    expect(refusal(`repository=acme/api\n${IDS}\nref=refs/heads/**`, { flexible: 'never' }).message).toMatch(/needs a wildcard/);
    expect(refusal(`repository=acme/api\n${IDS}\nref=refs/heads/**`, { issuer: `${GITHUB}/acme-enterprise` }).message).toMatch(/it has none for https:\/\/token\.actions\.githubusercontent\.com\/acme-enterprise/);
  });

  it('--flexible always makes every credential flexible, so that Entra checks job_workflow_ref too', () => {
    const result = compile(`repository=acme/api\nrepository_id=123456789\nref=refs/heads/main\njob_workflow_ref=acme/deploy/.github/workflows/deploy.yml@refs/heads/main`, { flexible: 'always', subjectFormat: 'legacy' });
    expect(result.credentials[0]?.claimsMatchingExpression?.value).toBe(
      "claims['sub'] eq 'repo:acme/api:ref:refs/heads/main' and claims['repository_id'] eq '123456789' and claims['job_workflow_ref'] eq 'acme/deploy/.github/workflows/deploy.yml@refs/heads/main'",
    );
    expect(bindings(result)['job_workflow_ref=acme/deploy/.github/workflows/deploy.yml@refs/heads/main']).toBe("azure claims['job_workflow_ref']");
  });

  it('a regular expression binds only claimcheck, and leaves its part of the subject open', () => {
    const result = compileCredentials(parseClaimRules(`repository=acme/api\n${IDS}`).concat([{ source: 'ref=~^refs/heads/(a|b)$', claim: 'ref', alternatives: [{ regex: { source: '^refs/heads/(a|b)$', test: () => true } }] }]), options({ subjectFormat: 'legacy' }));
    expect(result.credentials[0]?.claimsMatchingExpression?.value).toMatch(/^claims\['sub'\] matches 'repo:acme\/api:ref:\*'/);
    expect(bindings(result)['ref=~^refs/heads/(a|b)$']).toBe('claimcheck: a regular expression has no form in a federated credential');
  });

  it('refuses a value with a single quote in an expression', () => {
    expect(refusal(`repository=acme/api\n${IDS}\nref=refs/heads/it's-*`, { subjectFormat: 'legacy' }).message).toMatch(/single quote/);
  });
});

describe('pins', () => {
  it("GitHub cannot go unpinned at Entra (its flexible credentials need an id): an owner's id pins the owner, with a warning", () => {
    expect(refusal('ref=refs/heads/main').message).toMatch(/must also match repository_id or repository_owner_id/);
    for (const rules of ['repository_owner_id=987654\nref=refs/heads/main', 'repository=acme/**\nrepository_owner_id=987654\nref=refs/heads/main']) {
      expect(compile(rules, { subjectFormat: 'legacy' }).notes.join('\n')).toMatch(/pin an owner, not one repository: every repository of it is accepted/);
    }
  });

  it('--allow-unpinned lets an every-job credential through, with a warning', () => {
    const result = compile('sub=**', { issuer: 'https://app.terraform.io', allowUnpinned: true });
    expect(result.credentials[0]?.claimsMatchingExpression?.value).toBe("claims['sub'] matches '*'");
    expect(result.notes.join('\n')).toMatch(/pin no workspace \(--allow-unpinned\)/);
    expect(refusal('sub=**', { issuer: 'https://app.terraform.io' }).message).toMatch(/would pin no workspace: Entra would accept the jobs of every workspace/);
  });
});

describe('other platforms', () => {
  it('GitLab: project_path, ref_type and ref make the subject; both ref types when the rules do not say', () => {
    const result = compile('project_path=acme/api\nref=main', { issuer: 'https://gitlab.com', platform: 'gitlab' });
    expect(result.credentials.map((credential) => credential.subject)).toEqual(['project_path:acme/api:ref_type:branch:ref:main', 'project_path:acme/api:ref_type:tag:ref:main']);
    expect(compile('project_path=acme/api\nref_type=branch\nref=main', { issuer: 'https://gitlab.com', platform: 'gitlab' }).credentials).toHaveLength(1);
    expect(refusal('project_path=acme/api\nref=release-**', { issuer: 'https://gitlab.com', platform: 'gitlab' }).message).toMatch(/must also match project_id/);
    expect(compile('project_path=acme/api\nproject_id=42\nref=release-**', { issuer: 'https://gitlab.com', platform: 'gitlab' }).credentials[0]?.claimsMatchingExpression?.value).toBe(
      "claims['sub'] matches 'project_path:acme/api:ref_type:branch:ref:release-*' and claims['project_id'] eq '42'",
    );
  });

  it.each([
    ['circleci', 'https://oidc.circleci.com/org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a', 'oidc.circleci.com/project-id=8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77', /names the user who started the job/],
    ['buildkite', 'https://agent.buildkite.com', 'organization_slug=acme\npipeline_slug=deploy', /names the build's commit and step/],
    ['bitbucket', 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', 'repositoryUuid={5d6b0e4a-0000-4000-8000-000000000002}', /names the pipeline step/],
  ] as const)('%s: refuses, since every run presents its own subject', (platform, issuer, rules, why) => {
    const error = refusal(rules, { issuer, platform });
    expect(error.message).toMatch(why);
    expect(error.message).toContain('Azure cannot enforce these rules');
  });

  it('CircleCI: exact subjects named by a sub rule become credentials, the other rules bind claimcheck only', () => {
    const sub = 'org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a/project/8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77/user/6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
    const result = compile(`sub=${sub}\noidc.circleci.com/project-id=8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77`, { issuer: 'https://oidc.circleci.com/org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a', platform: 'circleci' });
    expect(result.credentials.map((credential) => credential.subject)).toEqual([sub]);
    expect(bindings(result)['oidc.circleci.com/project-id=8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77']).toMatch(/^claimcheck: /);
  });

  it('another issuer needs a rule on sub', () => {
    expect(refusal('project=x', { issuer: 'https://oidc.example.com' }).message).toMatch(/Entra matches only the subject of tokens from https:\/\/oidc\.example\.com/);
  });
});
