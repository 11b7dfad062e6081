// parseSettings on arbitrary inputs: it either returns settings that meet every documented
// constraint, or throws a ClaimcheckError that names the input at fault and says how to fix it.
// Anything else (a TypeError, a RangeError) would reach users as "a bug in claimcheck".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPolicyArn, isRegion, parseRoleArn, partitionOfRegion } from '../../src/core/aws/arn.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { parseServiceUrl } from '../../src/core/config/input-values.js';
import { INPUTS, type InputName } from '../../src/core/config/inputs.generated.js';
import { isSessionName } from '../../src/core/aws/session-name.js';
import { parseSettings, type Settings, type SettingsContext } from '../../src/core/config/settings.js';
import { deeplyNestedJson, hostileString, nearMiss } from './arbitraries.ts';
import { runs } from './budget.ts';
import { rulesDocument } from './rules-documents.ts';

const INPUT_NAMES = Object.keys(INPUTS) as InputName[];

type RawInputs = Partial<Record<InputName, string | undefined>>;

/** Roles and regions by partition: a region must be of its roles' partition. */
const PARTITIONS = [
  { roles: ['arn:aws:iam::123456789012:role/deploy', 'arn:aws:iam::111122223333:role/a+b=c.d@e_f-g'], regions: ['us-east-1', 'eu-central-1'] },
  { roles: ['arn:aws-cn:iam::123456789012:role/ci/deploy'], regions: ['cn-north-1'] },
  { roles: ['arn:aws-us-gov:iam::111122223333:role/x'], regions: ['us-gov-west-1'] },
] as const;
const ROLES = PARTITIONS.flatMap((partition) => partition.roles);
const URLS = ['https://token.actions.githubusercontent.com', 'https://sts.example.com/', 'http://127.0.0.1:8080', 'http://[::1]/x'];

/** Accepted values of each input, so that generated inputs get past the early checks. */
const VALID: Record<InputName, readonly string[]> = {
  // IAM allows commas in role names; role-chain cannot list such a role (it splits on commas).
  'role-to-assume': [...ROLES, 'arn:aws:iam::123456789012:role/a,b'],
  'aws-region': PARTITIONS.flatMap((partition) => partition.regions),
  audience: ['sts.amazonaws.com', 'sts.amazonaws.com.cn'],
  claims: ['repository=acme/api', 'ref=refs/heads/main|refs/tags/v*\nsub=repo:acme/*:**', '# note\n\nactor=octo\\|cat', 'workflow=\\*'],
  'role-chain': [`${ROLES[0]}\n${ROLES[1]}`, `${ROLES[0]}, ${ROLES[0]}`, `${ROLES[0]} external-id=acme tags=Repository={claims.repository} transitive-tag-keys=Repository source-identity=none\n${ROLES[1]}`],
  'rules-file': ['rules.yml', 'ci/claimcheck.json'],
  issuer: URLS,
  'web-identity-token-file': ['/var/run/secrets/eks.amazonaws.com/serviceaccount/token', 'C:\\runner\\token'],
  'role-session-name': ['ab', 'deploy@4242-1', 'x'.repeat(64)],
  'role-duration-seconds': ['900', '3600', '43200', '0900'],
  'inline-session-policy': ['{"Version":"2012-10-17","Statement":[]}', '{ "a" : [1, 2] }'],
  'managed-session-policies': ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/a,arn:aws:iam::aws:policy/b'],
  'allowed-account-ids': ['123456789012', '123456789012, 111122223333'],
  'mask-aws-account-id': ['true', 'False', 'TRUE'],
  refresh: ['true', 'false'],
  'aws-profile': ['dev', 'a.b_c-d'],
  'replace-profile': ['true', 'false'],
  // env and none conflict with refresh and aws-profile (INPUT_INVALID naming both); profile never does.
  export: ['profile'],
  'output-credentials': ['true', 'false'],
  'sts-endpoint': URLS,
  'retry-max-attempts': ['1', '5', '10'],
  'clock-tolerance': ['0', '60', '300'],
  'workload-identity-provider': ['projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github'],
  'service-account': ['deploy@my-project.iam.gserviceaccount.com', 'ci@example.com'],
  'access-token-lifetime': ['600', '3600s', '43200s'],
  'project-id': ['my-project', 'example.com:legacy-app'],
  'gcp-sts-endpoint': URLS,
  'gcp-iam-credentials-endpoint': URLS,
  'gcp-universe-domain': ['googleapis.com', 'apis-tpczero.goog'],
  'azure-client-id': ['11111111-2222-3333-4444-555555555555', 'ABCDEF01-2345-6789-ABCD-EF0123456789'],
  'azure-tenant-id': ['99999999-8888-7777-6666-555555555555', 'contoso.onmicrosoft.com'],
  'azure-subscription-id': ['aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'],
  'azure-authority-host': ['https://login.microsoftonline.us', 'https://login.chinacloudapi.cn/', 'http://127.0.0.1:8443'],
  'azure-scope': ['https://management.azure.com/.default', 'api://11111111-2222-3333-4444-555555555555/.default'],
  'azure-cli-login': ['true', 'false'],
};

/** Azure's tenant and subscription mean nothing without its client ID: valid inputs name all or none of them. */
function azurePaired(raw: RawInputs): RawInputs {
  if (raw['azure-client-id'] === undefined) return { ...raw, 'azure-tenant-id': undefined, 'azure-subscription-id': undefined };
  return { ...raw, 'azure-tenant-id': raw['azure-tenant-id'] ?? (VALID['azure-tenant-id'][0] as string) };
}

/** Each optional input unset or valid. */
const optionalInputs = fc.record(
  Object.fromEntries(INPUT_NAMES.map((name) => [name, fc.option(fc.constantFrom(...VALID[name]), { nil: undefined, freq: 3 })])) as Record<InputName, fc.Arbitrary<string | undefined>>,
);

/** The role (or a role map in the rules file), its region and role chain, all in one partition. */
const roleInputs: fc.Arbitrary<RawInputs> = fc.constantFrom(...PARTITIONS).chain((partition) =>
  fc.record({
    'role-to-assume': fc.option(fc.constantFrom(...partition.roles), { nil: undefined, freq: 4 }),
    'aws-region': fc.constantFrom(...partition.regions),
    'role-chain': fc.option(fc.array(fc.constantFrom(...partition.roles), { minLength: 1, maxLength: 3 }).map((roles) => roles.join('\n')), { nil: undefined }),
  }),
);

/** Valid inputs: a role map through the rules file when role-to-assume is unset. */
const baseline: fc.Arbitrary<RawInputs> = fc
  .tuple(optionalInputs, roleInputs)
  .map(([optional, roles]) => azurePaired({ ...optional, ...roles, 'rules-file': roles['role-to-assume'] === undefined ? 'rules.yml' : undefined }));

/** One input set to a near miss or to anything at all. */
const corruption = fc.constantFrom(...INPUT_NAMES).chain((name) => fc.tuple(fc.constant(name), fc.oneof(nearMiss(VALID[name]), hostileString)));

/** Valid inputs for one role, no rules file: parseSettings accepts them. */
const accepted: fc.Arbitrary<RawInputs> = fc
  .tuple(optionalInputs, roleInputs.filter((roles) => roles['role-to-assume'] !== undefined))
  // A token file's tokens are the cluster's: its issuer must be given.
  .map(([optional, roles]) =>
    azurePaired({
      ...optional,
      ...roles,
      'rules-file': undefined,
      ...(optional['web-identity-token-file'] ? { issuer: optional.issuer ?? URLS[0] } : {}),
      // The Google inputs mean something only with a provider.
      ...(optional['service-account'] || optional['project-id'] ? { 'workload-identity-provider': VALID['workload-identity-provider'][0] } : {}),
    }),
  );

/** The baseline with up to three inputs corrupted. */
const inputs: fc.Arbitrary<RawInputs> = fc
  .tuple(baseline, fc.array(corruption, { maxLength: 3 }))
  .map(([base, changes]) => ({ ...base, ...Object.fromEntries(changes) }));

const endpointFromEnvironment = fc.option(
  fc.record({ variable: fc.constantFrom('AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'), value: fc.oneof(fc.constantFrom(...URLS), hostileString) }),
  { nil: undefined },
);

/** A context whose rules file (if any) holds a generated, mostly near-valid document. */
const context: fc.Arbitrary<SettingsContext> = fc
  .tuple(fc.option(rulesDocument, { nil: undefined }), endpointFromEnvironment)
  .map(([document, endpoint]) => ({
    ...(document === undefined ? {} : { readRulesFile: () => document }),
    endpointFromEnvironment: endpoint,
  }));

type Outcome = { readonly settings: Settings } | { readonly error: unknown };

function outcomeOf(raw: RawInputs, ctx: SettingsContext): Outcome {
  try {
    return { settings: parseSettings((name) => raw[name], ctx) };
  } catch (error) {
    return { error };
  }
}

/** A rejection names something the user set: an input, the rules file's path, or the variable. */
function expectHelpfulError(error: unknown, raw: RawInputs, ctx: SettingsContext): void {
  expect(error).toBeInstanceOf(ClaimcheckError);
  const { message, hint } = error as ClaimcheckError;
  const named: string[] = [...INPUT_NAMES];
  const rulesPath = raw['rules-file']?.trim();
  if (rulesPath) named.push(rulesPath);
  if (ctx.endpointFromEnvironment) named.push(ctx.endpointFromEnvironment.variable);
  expect(message.trim()).not.toBe('');
  expect(hint.trim()).not.toBe('');
  expect(named.some((name) => message.includes(name)), message).toBe(true);
}

/** A step for Google alone: the provider's audience and endpoints, a lifetime within Google's bounds. */
function expectGoogleWithinConstraints(settings: Settings): void {
  const gcp = settings.gcp!;
  expect(gcp.audience).toBe(settings.audience ?? `https://iam.${gcp.universe}/${gcp.provider.name}`);
  expect(gcp.stsAudience).toBe(`//iam.${gcp.universe}/${gcp.provider.name}`);
  for (const endpoint of [gcp.stsEndpoint, gcp.iamCredentialsEndpoint]) expect(parseServiceUrl(endpoint) ?? parseServiceUrl(`${endpoint}/`)).toBeDefined();
  expectWholeNumber(gcp.lifetimeSeconds, 600, 43200);
}

function expectWithinConstraints(settings: Settings): void {
  expect(settings.aws ?? settings.gcp ?? settings.azure).toBeDefined();
  if (settings.gcp) expectGoogleWithinConstraints(settings);
  if (settings.azure !== undefined) expectAzureWithinConstraints(settings.azure);
  if (!settings.aws) return;
  const roles = settings.aws!.roleArn ? [settings.aws!.roleArn] : settings.aws!.roleMap.map((entry) => entry.roleArn);
  expect(settings.aws!.roleArn === undefined).toBe(settings.aws!.roleMap.length > 0);
  for (const role of [...roles, ...settings.aws!.roleChain.map((hop) => hop.roleArn)]) {
    expect(parseRoleArn(role.arn)).toEqual(role);
    expect(role.partition).toBe(partitionOfRegion(settings.aws!.region));
  }
  expect(isRegion(settings.aws!.region)).toBe(true);
  if (settings.audience !== undefined) expect(settings.audience).toMatch(/^[\x21-\x7e]{1,255}$/);
  expect(settings.aws!.audience).toMatch(/^[\x21-\x7e]{1,255}$/);
  expect(parseServiceUrl(settings.issuer)).toBe(settings.issuer);
  if (settings.aws!.stsEndpoint !== undefined) expect(parseServiceUrl(settings.aws!.stsEndpoint)).toBe(settings.aws!.stsEndpoint);
  if (settings.aws!.roleSessionName !== undefined) expect(settings.aws!.roleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
  expect(isSessionName(settings.aws!.roleSessionName ?? 'ok')).toBe(true);
  expectWholeNumber(settings.aws!.durationSeconds, 900, 43200);
  expectWholeNumber(settings.retryMaxAttempts, 1, 10);
  expectWholeNumber(settings.clockToleranceSeconds, 0, 300);
  if (settings.aws!.inlineSessionPolicy !== undefined) expectCompactPolicy(settings.aws!.inlineSessionPolicy);
  expect(settings.aws!.managedSessionPolicies.length).toBeLessThanOrEqual(10);
  expect(settings.aws!.managedSessionPolicies.every(isPolicyArn)).toBe(true);
  expect(settings.aws!.allowedAccountIds.every((id) => /^\d{12}$/.test(id))).toBe(true);
  if (settings.aws!.awsProfile !== undefined) expect(settings.aws!.awsProfile).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  for (const flag of [settings.aws!.maskAccountId, settings.aws!.outputCredentials, settings.aws!.refresh]) expect(typeof flag).toBe('boolean');
  expect(['env', 'profile', 'none']).toContain(settings.aws!.export);
  for (const rule of settings.rules) expect(rule.alternatives.length).toBeGreaterThan(0);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectAzureWithinConstraints(azure: NonNullable<Settings['azure']>): void {
  expect(azure.clientId).toMatch(GUID);
  expect(GUID.test(azure.tenantId) || /^[a-z0-9.-]+\.[a-z]+$/.test(azure.tenantId), azure.tenantId).toBe(true);
  if (azure.subscriptionId !== undefined) expect(azure.subscriptionId).toMatch(GUID);
  expect(parseServiceUrl(azure.authorityHost)).toBe(azure.authorityHost);
  expect(azure.authorityHost.endsWith('/')).toBe(false);
  expect(azure.scope.endsWith('/.default')).toBe(true);
  expect(azure.audience).toMatch(/^[\x21-\x7e]{1,255}$/);
}

function expectWholeNumber(value: number, min: number, max: number): void {
  expect(Number.isInteger(value) && value >= min && value <= max, String(value)).toBe(true);
}

/** What STS is sent: a JSON object in its compact form, at most 2048 characters. */
function expectCompactPolicy(policy: string): void {
  const parsed: unknown = JSON.parse(policy);
  expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
  expect(JSON.stringify(parsed)).toBe(policy);
  expect(policy.length).toBeLessThanOrEqual(2048);
}

describe('parseSettings on arbitrary inputs', () => {
  it('returns settings within every documented constraint, or a ClaimcheckError naming what to fix', () => {
    fc.assert(
      fc.property(inputs, context, (raw, ctx) => {
        const outcome = outcomeOf(raw, ctx);
        if ('error' in outcome) expectHelpfulError(outcome.error, raw, ctx);
        else expectWithinConstraints(outcome.settings);
      }),
      runs(1000),
    );
  });

  it('rejects a single bad input with an error that names that input', () => {
    fc.assert(
      fc.property(accepted, corruption, (base, [name, value]) => {
        expect('settings' in outcomeOf(base, {})).toBe(true);
        const outcome = outcomeOf({ ...base, [name]: value }, {});
        if ('settings' in outcome) return expectWithinConstraints(outcome.settings);
        expect(outcome.error).toBeInstanceOf(ClaimcheckError);
        // A role of another partition is reported as a region that does not fit the role.
        const named = ['role-to-assume', 'role-chain'].includes(name) ? [name, 'aws-region'] : [name];
        expect(named.some((input) => (outcome.error as ClaimcheckError).message.includes(input)), (outcome.error as Error).message).toBe(true);
      }),
      runs(1000),
    );
  });

  it('reaches success often enough for the constraints to be checked', () => {
    const outcomes = fc.sample(fc.tuple(inputs, context), { numRuns: 300 }).map(([raw, ctx]) => outcomeOf(raw, ctx));
    expect(outcomes.filter((outcome) => 'settings' in outcome).length).toBeGreaterThan(10);
  });

  // Found by fuzzing: JSON.parse accepts nesting that JSON.stringify then overflows on, so a
  // ~10 KB inline-session-policy ended the run as INTERNAL ("a bug in claimcheck").
  it('rejects a deeply nested inline-session-policy as INPUT_INVALID', () => {
    const outcome = outcomeOf({ 'role-to-assume': ROLES[0], 'aws-region': 'us-east-1', 'inline-session-policy': deeplyNestedJson(20_000) }, {});
    expect('error' in outcome && outcome.error).toBeInstanceOf(ClaimcheckError);
    expect('error' in outcome && (outcome.error as ClaimcheckError).code).toBe('INPUT_INVALID');
  });
});

describe('documented ranges', () => {
  const RANGES = [
    ['role-duration-seconds', 900, 43200],
    ['retry-max-attempts', 1, 10],
    ['clock-tolerance', 0, 300],
  ] as const;

  it.each(RANGES)('%s accepts exactly the whole numbers from %i to %i', (name, min, max) => {
    const number = fc.oneof(fc.integer({ min: min - 3, max: min + 3 }), fc.integer({ min: max - 3, max: max + 3 }), fc.integer({ min: -10, max: 100_000 }));
    fc.assert(
      fc.property(accepted, number, (base, value) => {
        const outcome = outcomeOf({ ...base, [name]: String(value) }, {});
        expect('settings' in outcome).toBe(value >= min && value <= max);
      }),
      runs(300),
    );
  });

  /** `{"Version":…,"Statement":[{"Sid":"aaa…"}]}` of exactly `size` characters when compact. */
  function policyOfSize(size: number): string {
    const frame = '{"Version":"2012-10-17","Statement":[{"Sid":""}]}';
    return frame.replace('"Sid":""', `"Sid":"${'a'.repeat(Math.max(0, size - frame.length))}"`);
  }

  it('inline-session-policy takes a JSON object of at most 2048 characters once compact, and sends it compact', () => {
    const spaced = fc.tuple(fc.integer({ min: 1990, max: 2110 }), fc.constantFrom('', ' ', '\n  ')).map(([size, space]) => ({ compact: policyOfSize(size), text: policyOfSize(size).replace(/([:,])/g, `$1${space}`) }));
    const anyJson = fc.tuple(fc.jsonValue(), fc.constantFrom(0, 2)).map(([value, indent]) => ({ compact: JSON.stringify(value), text: JSON.stringify(value, null, indent) }));
    fc.assert(
      fc.property(accepted, fc.oneof(spaced, anyJson), (base, { compact, text }) => {
        const outcome = outcomeOf({ ...base, 'inline-session-policy': text }, {});
        const isObject = compact.startsWith('{');
        if (text.trim() === '') return;
        expect('settings' in outcome ? outcome.settings.aws!.inlineSessionPolicy : undefined).toBe(isObject && compact.length <= 2048 ? compact : undefined);
      }),
      runs(300),
    );
  });
});
