// Every input, parsed strictly in one place into one typed Settings object: what every cloud
// shares (the issuer, the audience, the claim rules, the token's source, retries), and each
// cloud's own part, present when the step targets that cloud. A bad value ends the run with
// an error that names the input, what it held and the accepted form. Defaults come from
// action.yml (via inputs.generated.ts) and from nowhere else.
import { parseAwsSettings, policyDocument, type AwsSettings } from '../aws/settings.js';
import { parseAzureSettings, type AzureSettings } from '../azure/settings.js';
import { ClaimcheckError } from '../errors.js';
import { parseGcpSettings, type GcpSettings } from '../gcp/settings.js';
import { mutableNameWarnings, readRulesDocument, RulesFileError, type RulesDocument } from '../rules/rules-file.js';
import { parseClaimRules, RuleSyntaxError, type ClaimRule } from '../rules/rules.js';
import { integer, inputReader, invalid, mapOptional, parseUrlInput, type InputSource } from './input-reader.js';

export type { InputSource } from './input-reader.js';

export interface Settings {
  /** The audience input; undefined: each cloud's own default audience. */
  readonly audience: string | undefined;
  /** Rules every token must meet: the claims input's, then the rules file's. */
  readonly rules: readonly ClaimRule[];
  /** Advice that does not stop the run (rules on renamable names). */
  readonly warnings: readonly string[];
  readonly issuer: string;
  /** Read the token from this file (an absolute path) instead of the platform's source. */
  readonly webIdentityTokenFile: string | undefined;
  readonly retryMaxAttempts: number;
  readonly clockToleranceSeconds: number;
  /** AWS: present when the step names a role (role-to-assume, or the rules file's role map). */
  readonly aws: AwsSettings | undefined;
  /** Google Cloud: present when the step names a workload-identity-provider. */
  readonly gcp: GcpSettings | undefined;
  /** Azure: present when the step names an app (azure-client-id). */
  readonly azure: AzureSettings | undefined;
}

export interface SettingsContext {
  /** Reads and parses the rules file at a path (YAML or JSON); throws a ClaimcheckError when it cannot. */
  readonly readRulesFile?: (path: string) => unknown;
  /** A custom STS endpoint from the environment, and the variable it came from. */
  readonly endpointFromEnvironment?: { readonly variable: string; readonly value: string } | undefined;
}

export function parseSettings(source: InputSource, context: SettingsContext = {}): Settings {
  const inputs = inputReader(source);
  const { read, optional } = inputs;
  const rulesFile = mapOptional(optional('rules-file'), (path) => loadRulesFile(path, context));
  const roleMap = rulesFile?.roles ?? [];
  const audience = mapOptional(optional('audience'), parseAudience);
  const aws = parseAwsSettings(inputs, { roleMap, audience, endpointFromEnvironment: context.endpointFromEnvironment });
  const gcp = parseGcpSettings(inputs, { audience });
  const azure = parseAzureSettings(inputs, { audience });
  if (!aws && !gcp && !azure) {
    throw new ClaimcheckError(
      'INPUT_REQUIRED',
      'Input role-to-assume is required but was not set (and rules-file holds no role map), and no other cloud is targeted (workload-identity-provider for Google Cloud, azure-client-id for Azure).',
      'Set role-to-assume to the ARN of the role to assume, or give rules-file a roles list; for Google Cloud, set workload-identity-provider; for Azure, azure-client-id and azure-tenant-id.',
    );
  }
  const claimsRules = parseRules(read('claims'));
  const fileRules = rulesFile?.rules ?? [];
  return {
    audience,
    rules: [...claimsRules, ...fileRules],
    warnings: [
      ...mutableNameWarnings(claimsRules, 'The claims input'),
      ...mutableNameWarnings(fileRules, 'The rules file'),
      ...roleMap.flatMap((entry) => mutableNameWarnings([...fileRules, ...entry.rules], `Role map entry ${entry.name}`)),
    ],
    issuer: parseUrlInput('issuer', read('issuer')),
    webIdentityTokenFile: parseTokenFile(optional('web-identity-token-file'), source),
    retryMaxAttempts: integer('retry-max-attempts', read('retry-max-attempts'), 1, 10, 'a whole number from 1 to 10'),
    clockToleranceSeconds: integer('clock-tolerance', read('clock-tolerance'), 0, 300, 'a whole number of seconds from 0 to 300'),
    aws,
    gcp,
    azure,
  };
}

/** The rules file at `path`, read through the context and checked strictly. */
export function loadRulesFile(path: string, context: SettingsContext): RulesDocument {
  if (!context.readRulesFile) throw new ClaimcheckError('INPUT_INVALID', 'Input rules-file is set, but rules files cannot be read here.', 'Remove rules-file.');
  const document = context.readRulesFile(path);
  try {
    return readRulesDocument(document, (text, where) => policyDocument(text, `${path}: ${where}`));
  } catch (error) {
    if (!(error instanceof RulesFileError)) throw error;
    throw new ClaimcheckError('INPUT_INVALID', `Rules file ${path}: ${error.message}.`, 'See schema/rules.schema.json for the format of rules files.');
  }
}

function parseAudience(text: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(text)) throw invalid('audience', text, 'one audience of up to 255 printable characters without spaces, such as sts.amazonaws.com');
  return text;
}

function parseRules(text: string): ClaimRule[] {
  try {
    return parseClaimRules(text);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: equivalent: parseClaimRules throws nothing else
    if (!(error instanceof RuleSyntaxError)) throw error;
    throw new ClaimcheckError('INPUT_INVALID', `Input claims: ${error.message}.`, 'Write one rule per line as claim=value, e.g. repository=acme/api or ref=refs/heads/main|refs/tags/v*.');
  }
}

/** A token file's path: absolute (renewals run elsewhere), and only with an issuer given for its tokens. */
function parseTokenFile(path: string | undefined, source: InputSource): string | undefined {
  if (path === undefined) return undefined;
  if (!/^(\/|[A-Za-z]:[\\/])/.test(path) || path.length > 4096 || /\p{Cc}/u.test(path)) {
    throw invalid('web-identity-token-file', path, 'an absolute path such as /var/run/secrets/eks.amazonaws.com/serviceaccount/token');
  }
  if (!source('issuer')?.trim()) {
    throw new ClaimcheckError(
      'INPUT_REQUIRED',
      'Input issuer is required with web-identity-token-file: the token in that file comes from your cluster\'s OIDC issuer, not from the CI platform.',
      "Set issuer to the cluster's OIDC issuer URL, exactly the token's iss (EKS: aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer).",
    );
  }
  return path;
}
