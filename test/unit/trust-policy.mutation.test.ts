// src/core/trust/aws/token-policy.ts: the condition keys and provider ARN named after the issuer, the
// condition that accepts given subjects, the subjects GitHub and CircleCI give, and the same
// policies as Terraform, with untrusted strings kept inert for HCL.
import { describe, expect, it } from 'vitest';
import {
  circleciSubjects,
  githubSubjects,
  hclString,
  issuerKeyPrefix,
  oidcProviderArn,
  terraformFor,
  terraformForRoles,
  terraformLabel,
  trustConditionFor,
  trustPolicyDocument,
} from '../../src/core/trust/aws/token-policy.js';

const GITHUB = 'https://token.actions.githubusercontent.com';

describe('issuerKeyPrefix and oidcProviderArn', () => {
  it('drop the scheme and trailing slashes, nothing else', () => {
    expect(issuerKeyPrefix('https://token.actions.githubusercontent.com')).toBe('token.actions.githubusercontent.com');
    expect(issuerKeyPrefix('http://issuer.example/path//')).toBe('issuer.example/path');
    expect(issuerKeyPrefix('https://issuer.example/a/')).toBe('issuer.example/a');
    expect(issuerKeyPrefix('issuer.example/https://x')).toBe('issuer.example/https://x');
    expect(issuerKeyPrefix('https://a.example/https://b')).toBe('a.example/https://b');
    expect(issuerKeyPrefix('ftp://a.example')).toBe('ftp://a.example');
  });

  it('name the provider by partition, account and issuer', () => {
    expect(oidcProviderArn('aws-cn', '123456789012', 'https://gitlab.com/')).toBe('arn:aws-cn:iam::123456789012:oidc-provider/gitlab.com');
  });
});

describe('trustConditionFor', () => {
  it('puts literal subjects in StringEquals beside the audience', () => {
    expect(trustConditionFor(`${GITHUB}/`, 'sts.amazonaws.com', 'repo:a/b:ref:refs/heads/main')).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:a/b:ref:refs/heads/main' },
    });
    expect(trustConditionFor(GITHUB, 'aud', ['s1'])).toEqual({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'aud', 'token.actions.githubusercontent.com:sub': 's1' } });
    expect(trustConditionFor(GITHUB, 'aud', ['s1', 's2'])).toEqual({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'aud', 'token.actions.githubusercontent.com:sub': ['s1', 's2'] } });
  });

  it('moves every subject to StringLike when any has * or ?', () => {
    const question = { StringEquals: { 'i.example:aud': 'a' }, StringLike: { 'i.example:sub': ['s1', 'repo:x?'] } };
    expect(trustConditionFor('https://i.example', 'a', ['s1', 'repo:x?'])).toEqual(question);
    expect(trustConditionFor('https://i.example', 'a', ['repo:*', 's1'])).toEqual({ StringEquals: { 'i.example:aud': 'a' }, StringLike: { 'i.example:sub': ['repo:*', 's1'] } });
    expect(trustConditionFor('https://i.example', 'a', 'repo:*')).toEqual({ StringEquals: { 'i.example:aud': 'a' }, StringLike: { 'i.example:sub': 'repo:*' } });
  });
});

describe('trustPolicyDocument', () => {
  it('is one Allow statement for the issuer\'s provider', () => {
    const spec = { partition: 'aws', accountId: '123456789012', issuer: GITHUB, audience: 'sts.amazonaws.com', subjects: ['repo:a/b:pull_request'] };
    expect(trustPolicyDocument(spec)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:a/b:pull_request' } },
        },
      ],
    });
    expect(trustPolicyDocument(spec, 'arn:other')).toMatchObject({ Statement: [{ Principal: { Federated: 'arn:other' } }] });
  });
});

describe('subjects', () => {
  it('of GitHub: branches, tags, environments, then pull requests', () => {
    expect(githubSubjects({ repository: 'acme/api', branches: ['main', 'rel/*'], tags: ['v*'], environments: ['prod'], pullRequests: true })).toEqual([
      'repo:acme/api:ref:refs/heads/main',
      'repo:acme/api:ref:refs/heads/rel/*',
      'repo:acme/api:ref:refs/tags/v*',
      'repo:acme/api:environment:prod',
      'repo:acme/api:pull_request',
    ]);
    expect(githubSubjects({ repository: 'acme/api', branches: [], tags: [], environments: [], pullRequests: false })).toEqual([]);
  });

  it('of CircleCI: any user of each project', () => {
    expect(circleciSubjects('org-1', ['p1', 'p2'])).toEqual(['org/org-1/project/p1/user/*', 'org/org-1/project/p2/user/*']);
  });
});

describe('hclString', () => {
  it('quotes and escapes quotes and backslashes', () => {
    expect(hclString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(hclString('')).toBe('""');
  });

  it('escapes control characters and line separators, and nothing printable', () => {
    const escaped = [0x00, 0x01, 0x0a, 0x1f, 0x7f, 0x80, 0x9f, 0x2028, 0x2029];
    for (const code of escaped) expect(hclString(String.fromCodePoint(code)), code.toString(16)).toBe(`"\\u${code.toString(16).padStart(4, '0')}"`);
    for (const text of [' ', '~', '\u00a0', 'é', '\u2027', '\u202a', '😀', "'", '$', '%', '{', '}']) expect(hclString(text), text).toBe(`"${text}"`);
  });

  it('keeps ${ and %{ from starting an interpolation or a directive', () => {
    expect(hclString('fix-${var.db_password}')).toBe('"fix-$${var.db_password}"');
    expect(hclString('%{ if true }x%{ endif }')).toBe('"%%{ if true }x%%{ endif }"');
    expect(hclString('$$1 %%2 ${a}${b}')).toBe('"$$1 %%2 $${a}$${b}"');
  });
});

describe('terraformLabel', () => {
  it('keeps letters, digits, _ and -, and starts with a letter or _', () => {
    expect(terraformLabel('Deploy_role-1')).toBe('Deploy_role-1');
    expect(terraformLabel('prod.api role')).toBe('prod_api_role');
    expect(terraformLabel('1st')).toBe('_1st');
    expect(terraformLabel('-x')).toBe('_-x');
    expect(terraformLabel('_x')).toBe('_x');
    expect(terraformLabel('x1')).toBe('x1');
    expect(terraformLabel('')).toBe('ci');
  });
});

describe('terraformForRoles', () => {
  it('writes the provider once and a role per entry, the principal as the provider resource', () => {
    const spec = { partition: 'aws', accountId: '123456789012', issuer: GITHUB, audience: 'sts.amazonaws.com', subjects: ['repo:acme/api:ref:refs/heads/main', 'repo:acme/api:environment:*'] };
    expect(terraformFor(spec, 'deploy')).toBe(
      [
        '# The IAM OIDC provider: once per account and issuer.',
        'resource "aws_iam_openid_connect_provider" "ci" {',
        '  url            = "https://token.actions.githubusercontent.com"',
        '  client_id_list = ["sts.amazonaws.com"]',
        '}',
        '',
        'resource "aws_iam_role" "ci" {',
        '  name = "deploy"',
        '  assume_role_policy = jsonencode({',
        '    "Version" = "2012-10-17"',
        '    "Statement" = [{',
        '      "Effect" = "Allow"',
        '      "Principal" = {',
        '        "Federated" = aws_iam_openid_connect_provider.ci.arn',
        '      }',
        '      "Action" = "sts:AssumeRoleWithWebIdentity"',
        '      "Condition" = {',
        '        "StringEquals" = {',
        '          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"',
        '        }',
        '        "StringLike" = {',
        '          "token.actions.githubusercontent.com:sub" = ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:environment:*"]',
        '        }',
        '      }',
        '    }]',
        '  })',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes numbers, booleans and null as JSON, replaces only the principal, and keeps every string inert', () => {
    const document = { n: 1, b: true, z: null, l: [2, 'x'], o: { p: 'P', q: { r: 'P2', s: 'a${b}"' } } };
    const text = terraformForRoles('https://i.example/${x}', 'a"ud', [{ label: 'a"b', roleName: 'r%{x}', principal: 'P', document }]);
    expect(text).toBe(
      [
        '# The IAM OIDC provider: once per account and issuer.',
        'resource "aws_iam_openid_connect_provider" "ci" {',
        '  url            = "https://i.example/$${x}"',
        '  client_id_list = ["a\\"ud"]',
        '}',
        '',
        'resource "aws_iam_role" "a\\"b" {',
        '  name = "r%%{x}"',
        '  assume_role_policy = jsonencode({',
        '    "n" = 1',
        '    "b" = true',
        '    "z" = null',
        '    "l" = [2, "x"]',
        '    "o" = {',
        '      "p" = aws_iam_openid_connect_provider.ci.arn',
        '      "q" = {',
        '        "r" = "P2"',
        '        "s" = "a$${b}\\""',
        '      }',
        '    }',
        '  })',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes the provider alone without roles, and roles in order', () => {
    expect(terraformForRoles('https://i.example', 'a', [])).toBe(
      '# The IAM OIDC provider: once per account and issuer.\nresource "aws_iam_openid_connect_provider" "ci" {\n  url            = "https://i.example"\n  client_id_list = ["a"]\n}\n',
    );
    const two = terraformForRoles('https://i.example', 'a', [
      { label: 'one', roleName: 'r1', principal: 'P', document: {} },
      { label: 'two', roleName: 'r2', principal: 'P', document: { k: [] } },
    ]);
    expect(two).toContain('resource "aws_iam_role" "one" {\n  name = "r1"\n  assume_role_policy = jsonencode({\n\n  })\n}\n\nresource "aws_iam_role" "two" {');
    expect(two).toContain('"k" = []');
  });
});
