// Azure's pure parts: the inputs, Entra's errors and what each tells the user, the variables
// clients read, when the refresher writes a fresh token, and where a rule binds at run time.
import { describe, expect, it } from 'vitest';
import { classifyEntraFailure, explainEntraExhausted, explainEntraFailure, networkFailure, readEntraError } from '../../src/core/azure/entra-failure.js';
import { nextRenewal, retryAfterFailure } from '../../src/core/azure/refresh-schedule.js';
import { azureVariables, leftoverIn, shadowingIn } from '../../src/core/azure/variables.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { parseClaimRules } from '../../src/core/rules/rules.js';
import { azureReach } from '../../src/core/trust/azure/reach.js';
import { loginCommands } from '../../src/clouds/azure/cli-login.js';
import { refusalOf } from '../harness/refusal.ts';

const CLIENT = '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';
const TENANT = '72f988bf-0000-4000-8000-00000000a11e';
const settingsOf = (inputs: Record<string, string>) => parseSettings((name) => inputs[name]);
const azureOf = (inputs: Record<string, string>) => settingsOf({ 'azure-client-id': CLIENT, 'azure-tenant-id': TENANT, ...inputs }).azure!;

const errorOf = refusalOf;

describe('Azure inputs', () => {
  it('azure-client-id targets Azure, with the documented defaults; AWS is not targeted then', () => {
    const settings = settingsOf({ 'azure-client-id': CLIENT.toUpperCase(), 'azure-tenant-id': TENANT });
    expect(settings.aws).toBeUndefined();
    expect(settings.azure).toEqual({ clientId: CLIENT, tenantId: TENANT, subscriptionId: undefined, authorityHost: 'https://login.microsoftonline.com', scope: 'https://management.azure.com/.default', audience: 'api://AzureADTokenExchange', cliLogin: false });
  });

  it('takes the audience input, a verified domain, a sovereign authority host with or without its slash', () => {
    expect(azureOf({ audience: 'api://custom', 'azure-tenant-id': 'Contoso.onmicrosoft.com', 'azure-authority-host': 'https://login.microsoftonline.us/' })).toMatchObject({ audience: 'api://custom', tenantId: 'contoso.onmicrosoft.com', authorityHost: 'https://login.microsoftonline.us' });
  });

  it.each([
    [{ 'azure-client-id': 'not-a-guid' }, /Input azure-client-id is "not-a-guid", which is not the Application \(client\) ID/],
    [{ 'azure-tenant-id': 'common' }, /Input azure-tenant-id is "common", an endpoint shared by many tenants/],
    [{ 'azure-tenant-id': 'organizations' }, /AADSTS9001023/],
    [{ 'azure-tenant-id': 'no spaces please' }, /Input azure-tenant-id is "no spaces please", which is not a Directory \(tenant\) ID/],
    [{ 'azure-subscription-id': '123' }, /Input azure-subscription-id is "123", which is not a subscription ID/],
    [{ 'azure-authority-host': 'http://login.example.com' }, /Input azure-authority-host is "http:\/\/login.example.com"/],
    [{ 'azure-authority-host': 'https://login.microsoftonline.com/tenant' }, /without a path/],
    [{ 'azure-scope': 'https://management.azure.com/user_impersonation' }, /Input azure-scope .*\(the client credentials grant takes no other\)/],
    [{ 'azure-cli-login': 'yes' }, /Input azure-cli-login is "yes", which is not true or false/],
  ])('refuses %o, naming the input and the form', (inputs, message) => {
    expect(errorOf(() => azureOf(inputs)).message).toMatch(message);
  });

  it('needs the tenant with the client ID, and the client ID with the tenant or subscription', () => {
    expect(errorOf(() => settingsOf({ 'azure-client-id': CLIENT })).message).toBe('Input azure-client-id is required with azure-client-id but was not set.'.replace('azure-client-id is required with azure-client-id', 'azure-tenant-id is required with azure-client-id'));
    expect(errorOf(() => settingsOf({ 'role-to-assume': 'arn:aws:iam::123456789012:role/x', 'aws-region': 'us-east-1', 'azure-tenant-id': TENANT })).message).toBe('Input azure-client-id is required with azure-tenant-id but was not set.');
  });

  it('a step that targets no cloud says which inputs would', () => {
    expect(errorOf(() => settingsOf({})).message).toMatch(/^Input role-to-assume is required but was not set .*azure-client-id for Azure/);
  });
});

const claims = { iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/api:ref:refs/heads/dev', aud: 'api://AzureADTokenExchange', exp: 1_800_000_000, repository_owner_id: '987654', repository_id: '123456789' };
const context = { clientId: CLIENT, tenantId: TENANT, endpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, claims };
const entra = (code: number, text = 'text', status = 400) => readEntraError(status, { error: 'invalid_client', error_description: `AADSTS${code}: ${text} Trace ID: t-1 Correlation ID: c-1 Timestamp: 2026-12-01 10:00:00Z`, error_codes: [code], trace_id: 't-1', correlation_id: 'c-1' });

describe("Entra's errors", () => {
  it('reads the documented JSON: the description without its trailing IDs, the codes, the IDs', () => {
    expect(entra(700213, 'No matching federated identity record found for presented assertion subject.')).toEqual({ status: 400, error: 'invalid_client', description: 'AADSTS700213: No matching federated identity record found for presented assertion subject.', codes: [700213], traceId: 't-1', correlationId: 'c-1' });
    expect(readEntraError(400, { error_description: 'AADSTS7002138: x' }).codes).toEqual([7002138]);
    expect(readEntraError(502, '<html>')).toMatchObject({ status: 502, codes: [], description: undefined });
  });

  it.each([
    [entra(700211), 'issuer'],
    [entra(700212), 'audience'],
    [entra(7002121), 'audience'],
    [entra(700213), 'subject'],
    [entra(7002138), 'subject-case'],
    [entra(70021), 'no-match'],
    [entra(700024), 'assertion-time'],
    [entra(700016), 'app-not-found'],
    [entra(90002), 'tenant-not-found'],
    [entra(70011), 'refused'],
    [entra(90033), 'transient'],
    [readEntraError(400, { error: 'temporarily_unavailable' }), 'transient'],
    [readEntraError(503, undefined), 'transient'],
    [readEntraError(429, undefined), 'transient'],
    [networkFailure('ECONNRESET'), 'transient'],
  ] as const)('classifies %o as %s', (failure, kind) => {
    expect(classifyEntraFailure(failure)).toBe(kind);
  });

  it('a mismatch names the claims presented and the command that adds the credential accepting them', () => {
    const error = explainEntraFailure(entra(700213), context);
    expect(error.code).toBe('ENTRA_SUBJECT_MISMATCH');
    expect(error.message).toContain('iss="https://token.actions.githubusercontent.com", sub="repo:acme/api:ref:refs/heads/dev", aud="api://AzureADTokenExchange"');
    expect(error.message).toContain('(trace ID t-1, correlation ID c-1)');
    const json = /--parameters '(\{.*?\})'/.exec(error.hint)?.[1] ?? '';
    expect(JSON.parse(json)).toMatchObject({ issuer: claims.iss, subject: claims.sub, audiences: [claims.aud] });
    expect(error.hint).toContain(`az ad app federated-credential create --id ${CLIENT}`);
  });

  it("GitHub's immutable subject gets its own code and the legacy form it replaced", () => {
    const error = explainEntraFailure(entra(700213), { ...context, claims: { ...claims, sub: 'repo:acme@987654/api@123456789:ref:refs/heads/dev' } });
    expect(error.code).toBe('ENTRA_SUBJECT_FORMAT');
    expect(error.hint).toContain('a credential written for repo:acme/api:ref:refs/heads/dev no longer matches');
  });

  it.each([
    [700211, 'ENTRA_ISSUER_MISMATCH'],
    [700212, 'ENTRA_AUDIENCE_MISMATCH'],
    [70021, 'ENTRA_NO_MATCH'],
    [7002138, 'ENTRA_SUBJECT_MISMATCH'],
    [700024, 'ENTRA_TOKEN_TIME'],
    [700016, 'ENTRA_APP_NOT_FOUND'],
    [90002, 'ENTRA_TENANT_NOT_FOUND'],
    [70011, 'ENTRA_INVALID_REQUEST'],
  ])('AADSTS%i is %s', (code, expected) => {
    expect(explainEntraFailure(entra(code), context).code).toBe(expected);
  });

  it('says how many attempts a fault that never passed took', () => {
    const error = explainEntraExhausted(networkFailure('ECONNRESET'), 5, 12_400, context);
    expect(error.code).toBe('ENTRA_UNAVAILABLE');
    expect(error.message).toMatch(/\(ECONNRESET\).* Gave up after 5 attempts in 12 s\.$/);
  });
});

describe('the variables clients read', () => {
  it('sets what azure-identity and azurerm read, the authority host always (older SDKs need it), ARM_ENVIRONMENT only for another cloud', () => {
    expect(azureVariables(azureOf({}), '/t/f')).toEqual([
      ['AZURE_CLIENT_ID', CLIENT], ['AZURE_TENANT_ID', TENANT], ['AZURE_FEDERATED_TOKEN_FILE', '/t/f'], ['AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com'],
      ['ARM_USE_OIDC', 'true'], ['ARM_CLIENT_ID', CLIENT], ['ARM_TENANT_ID', TENANT], ['ARM_OIDC_TOKEN_FILE_PATH', '/t/f'],
    ]);
    const sovereign = new Map(azureVariables(azureOf({ 'azure-authority-host': 'https://login.microsoftonline.us', 'azure-subscription-id': 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }), '/t/f'));
    expect([sovereign.get('AZURE_AUTHORITY_HOST'), sovereign.get('ARM_ENVIRONMENT'), sovereign.get('ARM_SUBSCRIPTION_ID')]).toEqual(['https://login.microsoftonline.us', 'usgovernment', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee']);
  });

  it('clears what would make a client use another credential, and what an earlier hand-over set that this one does not', () => {
    const env = { AZURE_CLIENT_SECRET: 's', ARM_USE_MSI: 'true', ARM_CLIENT_CERTIFICATE_PATH: '', AZURE_SUBSCRIPTION_ID: 'x', PATH: '/bin' };
    expect(shadowingIn(env)).toEqual(['AZURE_CLIENT_SECRET', 'ARM_USE_MSI']);
    expect(leftoverIn(azureVariables(azureOf({}), '/f'), env)).toEqual(['AZURE_SUBSCRIPTION_ID']);
  });
});

describe("the refresher's schedule", () => {
  const minute = 60_000;
  it("replaces GitHub's 5-minute tokens every minute, CircleCI's hour-long ones with 12 minutes left", () => {
    expect(nextRenewal(0, 5 * minute)).toBe(minute);
    expect(nextRenewal(0, 60 * minute)).toBe(48 * minute);
    expect(nextRenewal(0, 10_000)).toBe(2_000);
  });
  it('retries a failed renewal soon, backing off to at most 5 minutes', () => {
    expect(retryAfterFailure(0, 5 * minute, 1)).toBe(30_000);
    expect(retryAfterFailure(0, 5 * minute, 9)).toBe(5 * minute);
  });
});

describe('where a rule binds at run time', () => {
  const reach = (rule: string, issuer = 'https://token.actions.githubusercontent.com', token = {}) => azureReach(parseClaimRules(rule)[0]!, issuer, token);
  it('the subject carries GitHub repository, ref and environment rules; flexible credentials the ids', () => {
    expect([reach('repository=acme/api'), reach('ref=refs/heads/main'), reach('job_workflow_ref=x'), reach('actor=octocat')]).toEqual(['subject', 'subject', "claims['job_workflow_ref']", undefined]);
    expect(reach('repository=acme/api', 'https://ghes.example.com/_services/token')).toBe('subject');
    expect(reach('repository=acme/api', 'http://127.0.0.1:1234', { sub: 'repo:acme/api:ref:x', repository: 'acme/api' })).toBe('subject');
    expect(reach('oidc.circleci.com/project-id=x', 'https://oidc.circleci.com/org/1')).toBeUndefined();
  });
});

describe('az login from the token file', () => {
  it('hands az the file (@path), never the token, and selects the subscription', () => {
    const commands = loginCommands(azureOf({ 'azure-subscription-id': 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }), '/private/federated-token');
    expect(commands).toEqual([
      ['login', '--service-principal', '--username', CLIENT, '--tenant', TENANT, '--federated-token', '@/private/federated-token', '--output', 'none'],
      ['account', 'set', '--subscription', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'],
    ]);
    expect(loginCommands(azureOf({ 'azure-authority-host': 'https://login.chinacloudapi.cn' }), '/f')[0]).toEqual(['cloud', 'set', '--name', 'AzureChinaCloud']);
  });
});
