// What a failed run tells people beside its two error lines: the claims the job presented
// (a safe subset of the verified token's claims: who the job is, and what the rules look
// at; never the token), each rule and whether it held, and the next step. Built where the
// error is caught, from what the run had learned by then; report.ts renders it.
import type { ClaimcheckError, ErrorCode } from '../errors.js';
import { chooseRole } from '../aws/role-map.js';
import { checkClaimRules, describeClaim, type ClaimRule } from '../rules/rules.js';
import type { Settings } from '../config/settings.js';
import { AWS_AUDIENCE, type AwsSettings } from '../aws/settings.js';

type Claims = Readonly<Record<string, unknown>>;

export interface FailureRule {
  readonly rule: string;
  /** Undefined: not checked, as no token was verified. */
  readonly held: boolean | undefined;
  /** The claim as the token presented it; undefined when absent or not checked. */
  readonly presented: string | undefined;
  readonly claim: string;
}

export interface NextStep {
  /** What to do, in claimcheck's own words (no value from the job). */
  readonly text: string;
  /** A command to run, with values from the settings (role name, issuer, audience). */
  readonly command?: string;
}

export interface FailureReport {
  readonly version: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint: string;
  /** The role the run was to assume, when the settings or the role map had decided it. */
  readonly roleArn: string | undefined;
  readonly issuer: string | undefined;
  /** [claim, value] of the verified token; undefined when no token was verified. */
  readonly claims: ReadonlyArray<readonly [string, string]> | undefined;
  readonly rules: readonly FailureRule[];
  readonly nextStep: NextStep | undefined;
  /** The TROUBLESHOOTING.md section for the code: its anchor, and its address where one is known. */
  readonly troubleshooting: { readonly anchor: string; readonly url: string | undefined };
}

export interface FailureFacts {
  readonly version: string;
  /** Undefined when the inputs did not parse. */
  readonly settings: Settings | undefined;
  /** The last verified token's claims; undefined when no token was verified. */
  readonly claims: Claims | undefined;
  /** Where TROUBLESHOOTING.md is published for this version, if the platform knows. */
  readonly troubleshootingUrl: string | undefined;
}

/** Claims that say which job this is and that trust policies match on, across platforms; the rules' claims are added to them. */
const IDENTITY_CLAIMS = [
  'iss', 'sub', 'aud',
  'repository', 'repository_id', 'repository_owner_id', 'enterprise_id', 'ref', 'environment', 'job_workflow_ref', 'workflow', 'event_name', 'actor', 'run_id', 'run_attempt',
  'oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-origin', 'oidc.circleci.com/vcs-ref', 'oidc.circleci.com/context-ids',
  'project_path', 'namespace_path', 'pipeline_id', 'job_id', 'organization_slug', 'pipeline_slug', 'build_number',
  'kubernetes.io',
];

function presentedClaims(claims: Claims, rules: readonly ClaimRule[]): Array<[string, string]> {
  const names = [...new Set([...IDENTITY_CLAIMS, ...rules.map((rule) => rule.claim)])];
  return names.flatMap((name) => {
    const value = Object.hasOwn(claims, name) ? describeClaim(claims[name]) : undefined;
    return value === undefined ? [] : [[name, value] as [string, string]];
  });
}

/** The role decided so far: the input, or the role map's choice for these claims. */
function decidedRole(aws: AwsSettings | undefined, claims: Claims | undefined): { arn: string; name: string } | undefined {
  if (!aws) return undefined;
  if (aws.roleArn) return aws.roleArn;
  if (!claims) return undefined;
  try {
    return chooseRole(aws, claims).roleArn;
  } catch {
    // No entry of the role map matches: no role was decided.
  }
  return undefined;
}

function ruleResults(rules: readonly ClaimRule[], claims: Claims | undefined): FailureRule[] {
  if (!claims) return rules.map((rule) => ({ rule: rule.source, held: undefined, presented: undefined, claim: rule.claim }));
  return checkClaimRules(rules, claims).map((result) => ({ rule: result.rule.source, held: result.held, presented: result.presented, claim: result.rule.claim }));
}

function nextStepFor(error: ClaimcheckError, settings: Settings | undefined, role: { name: string } | undefined): NextStep | undefined {
  const verify = settings ? ` --issuer ${settings.issuer} --audience ${settings.aws?.audience ?? settings.audience ?? AWS_AUDIENCE}` : '';
  switch (error.code) {
    case 'STS_ACCESS_DENIED':
      // A role of the chain refused the first role's session: its hint says what to change.
      if (error.message.includes(' in the role chain ') || !role) return undefined;
      return {
        text: "Save the role's trust policy, then let claimcheck judge this job's token against it: it names the statement and the condition that refuse the token, and near misses.",
        command: `aws iam get-role --role-name ${role.name} > role.json && claimcheck explain --token-file <this job's token>${verify} --trust-policy role.json`,
      };
    case 'RULE_FAILED':
    case 'ROLE_NO_MATCH':
      return {
        text: 'Compare the rules with the claims above; claimcheck explain checks every rule and role map entry against a token without calling AWS.',
        command: `claimcheck explain --token-file <this job's token>${verify} --rules-file <your rules file>`,
      };
    case 'ENTRA_SUBJECT_MISMATCH':
    case 'ENTRA_SUBJECT_FORMAT':
    case 'ENTRA_ISSUER_MISMATCH':
    case 'ENTRA_AUDIENCE_MISMATCH':
    case 'ENTRA_NO_MATCH':
      return settings?.azure && {
        text: "List the app's federated credentials and compare them with the claims above (exact, case-sensitive); claimcheck trust-policy --cloud azure writes the ones your rules allow.",
        command: `az ad app federated-credential list --id ${settings.azure.clientId} --query "[].{name:name, issuer:issuer, subject:subject, audiences:audiences}" --output table`,
      };
    case 'STS_TOKEN_REJECTED':
      return {
        text: "List the account's IAM OIDC providers and the audiences (client IDs) the provider for this issuer accepts.",
        command: 'aws iam list-open-id-connect-providers && aws iam get-open-id-connect-provider --open-id-connect-provider-arn <the provider ARN>',
      };
  }
  return undefined;
}

export function failureReport(error: ClaimcheckError, facts: FailureFacts): FailureReport {
  const { settings, claims } = facts;
  const rules = settings?.rules ?? [];
  // Stryker disable next-line ArrayDeclaration: equivalent: with no settings there is no rule, and a made-up one names no claim
  const mapRules = settings?.aws?.roleMap.flatMap((entry) => entry.rules) ?? [];
  const role = decidedRole(settings?.aws, claims);
  return {
    version: facts.version,
    code: error.code,
    message: error.message,
    hint: error.hint,
    roleArn: role?.arn,
    issuer: settings?.issuer,
    claims: claims ? presentedClaims(claims, [...rules, ...mapRules]) : undefined,
    rules: ruleResults(rules, claims),
    nextStep: nextStepFor(error, settings, role),
    troubleshooting: { anchor: error.code.toLowerCase(), url: facts.troubleshootingUrl },
  };
}
