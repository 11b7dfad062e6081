// src/core/trust/aws/token-policy.ts: the condition keys and provider ARN named after the issuer,
// and policies as Terraform, with untrusted strings kept inert for HCL (no interpolation, no
// control, bidi or zero-width character raw).
import { describe, expect, it } from 'vitest';
import { hclString } from '../../src/core/text/hcl.js';
import { issuerKeyPrefix, oidcProviderArn, terraformForRoles, terraformLabel } from '../../src/core/trust/aws/token-policy.js';

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

describe('hclString', () => {
  it('quotes and escapes quotes and backslashes', () => {
    expect(hclString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(hclString('')).toBe('""');
  });

  it('escapes control, bidi, zero-width and line-separator characters, and nothing printable', () => {
    const escaped = [0x00, 0x01, 0x0a, 0x1f, 0x7f, 0x80, 0x85, 0x9f, 0xad, 0x200b, 0x200e, 0x202a, 0x202e, 0x2066, 0x2028, 0x2029, 0xfeff, 0xd800];
    for (const code of escaped) expect(hclString(String.fromCharCode(code)), code.toString(16)).toBe(`"\\u${code.toString(16).padStart(4, '0')}"`);
    expect(hclString('\u{e0001}')).toBe('"\\U000e0001"');
    for (const text of [' ', '~', '\u00a0', 'é', '\u2027', '😀', "'", '$', '%', '{', '}']) expect(hclString(text), text).toBe(`"${text}"`);
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
    const principal = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: principal }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:acme/api:ref:refs/heads/main', 'repo:acme/api:environment:*'] } } }],
    };
    expect(terraformForRoles(GITHUB, 'sts.amazonaws.com', [{ label: 'ci', roleName: 'deploy', principal, document }])).toBe(
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
