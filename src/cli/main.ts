// The claimcheck command line: dispatch, help, version, and the one place that turns a
// failure into output, in the CLI's own terms: a ClaimcheckError exits 1 with its two lines,
// a usage error exits 2 with one. Standard output carries only results; logs go to standard error.
import { INPUTS } from '../core/config/inputs.generated.js';
import { asClaimcheckError, ClaimcheckError, formatError } from '../core/errors.js';
import { GENERIC_ISSUER_HINT } from '../oidc/verify.js';
import { Secrets } from '../core/secrets.js';
import { VERSION } from '../core/version.generated.js';
import type { Settings } from '../core/config/settings.js';
import type { Log, SelfCommand, TokenSpec } from '../flow/cloud.js';
import { describeFlags, UsageError, type Flags } from './args.js';
import { jsonGetter, lineLog, networkRetry } from '../flow/wiring.js';
import { runCredentialProcess } from '../clouds/aws/credential-process.js';
import { processRefresherIo, runAzureRefresher } from '../clouds/azure/refresher.js';
import { runGoogleSubjectToken } from '../clouds/gcp/subject-token.js';
import { executableFailure } from '../core/gcp/credentials-file.js';
import { cliRunLabel, cliSessionName, isPresetName, platformRenewal, PRESETS, type Preset } from '../platform/presets.js';
import { ASSUME_FLAGS, ASSUME_USAGE, assumeCommand } from './assume.js';
import { CLEANUP_FLAGS, CLEANUP_USAGE, cleanupCommand } from './cleanup/command.js';
import { renewalOfOtherJob } from './cleanup/records.js';
import { renewalTokenReader } from './token-source.js';
import { EXPLAIN_FLAGS, EXPLAIN_USAGE, explainCommand } from './explain.js';
import type { CliIo } from './io.js';
import { TRUST_POLICY_FLAGS, TRUST_POLICY_USAGE, trustPolicyCommand } from './trust/trust-policy.js';
import { AZURE_TRUST_FLAGS, AZURE_TRUST_USAGE } from './trust/azure.js';
import { GCP_TRUST_POLICY_FLAGS, GCP_TRUST_POLICY_USAGE } from './trust/gcp.js';
import { AUDIT_FLAGS, AUDIT_USAGE, auditCommand } from './trust/audit.js';

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly flags: Flags;
  /** Positional arguments, for commands that take them instead of options: name and meaning. */
  readonly arguments?: ReadonlyArray<readonly [string, string]>;
  readonly example: string;
  readonly run: (argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand) => Promise<number>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  assume: {
    summary: 'Verify a CI job\'s OIDC token, check its claims, assume an IAM role and hand over the credentials.',
    usage: ASSUME_USAGE,
    flags: ASSUME_FLAGS,
    example: 'creds="$(claimcheck assume --platform gitlab --role-to-assume arn:aws:iam::123456789012:role/deploy --aws-region us-east-1 \\\n    --claims \'project_id=42\')" && eval "$creds"',
    run: async (argv, io, log, secrets, self) => (await assumeCommand(argv, io, log, secrets, self), 0),
  },
  explain: {
    summary: 'Show a token\'s claims, which rules hold, which role map entry it gets, and the trust-policy condition that accepts it.',
    usage: EXPLAIN_USAGE,
    flags: EXPLAIN_FLAGS,
    example: 'claimcheck explain --token-env ACTIONS_TOKEN --issuer https://token.actions.githubusercontent.com --audience sts.amazonaws.com --rules-file claimcheck.yml',
    run: (argv, io, log) => explainCommand(argv, io, log),
  },
  'trust-policy': {
    summary: 'Print the IAM role trust policy (JSON, or Terraform) that accepts a token, a rules file, or a repository, project or pipeline (GitHub, CircleCI, GitLab, Buildkite, Bitbucket); --cloud gcp: the Google provider condition; --cloud azure: Entra ID federated credentials.',
    usage: `${TRUST_POLICY_USAGE}\n       ${GCP_TRUST_POLICY_USAGE}\n       ${AZURE_TRUST_USAGE}`,
    // --cloud gcp and --cloud azure take their own options; help lists them all (AWS's wording where a name is shared).
    flags: { ...AZURE_TRUST_FLAGS, ...GCP_TRUST_POLICY_FLAGS, ...TRUST_POLICY_FLAGS },
    example: 'claimcheck trust-policy --account-id 123456789012 --platform github --repository acme/api --branch main --environment prod --format terraform',
    run: (argv, io) => trustPolicyCommand(argv, io),
  },
  audit: {
    summary: 'Say, for every role of an account that trusts an OIDC provider, whether its trust policy pins the repositories or projects it lets in: open, names-only, pinned or cannot-verify.',
    usage: AUDIT_USAGE,
    flags: AUDIT_FLAGS,
    example: 'aws iam get-account-authorization-details --filter Role > account.json && claimcheck audit account.json --rules-file claimcheck.yml',
    run: (argv, io) => auditCommand(argv, io),
  },
  cleanup: {
    summary: 'Undo what assume left in this job: profiles, renewal folders and their cached credentials, and the credentials it appended to $GITHUB_ENV or $BASH_ENV.',
    usage: CLEANUP_USAGE,
    flags: CLEANUP_FLAGS,
    example: 'eval "$(claimcheck cleanup)"   # at the end of the job (GitLab: after_script; Buildkite: a pre-exit hook)',
    run: async (argv, io, log) => cleanupCommand(argv, io, log),
  },
  'google-subject-token': {
    summary: "Print a fresh, checked CI token for a Google client's credentials file; written by assume, not typed by hand.",
    usage: 'claimcheck google-subject-token <renewal config written by assume --workload-identity-provider>',
    flags: {},
    example: '"credential_source": {"executable": {"command": "node /path/to/claimcheck/dist/cli/index.js google-subject-token ~/.claimcheck/gcp-…/renewal.json"}}',
    run: (argv, io) => {
      if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the path of the renewal config that assume wrote');
      const otherJob = renewalOfOtherJob(argv[0] as string, io.env);
      if (otherJob) {
        // Google's clients show what the executable prints on standard output.
        io.stdout(executableFailure(otherJob.code, `${otherJob.message} Hint: ${otherJob.hint}`));
        return Promise.resolve(0);
      }
      return runGoogleSubjectToken(
        argv[0] as string,
        (token, settings, log) => ({ get: jsonGetter(), requestToken: renewalToken(token, io.env, settings, log), defaultSessionName: (claims) => cliSessionName(claims, io.env), runLabel: (claims) => cliRunLabel(claims, io.env) }),
        { stdout: io.stdout, env: io.env },
      );
    },
  },
  'credential-process': {
    summary: 'Print credentials for an AWS profile\'s credential_process; written by assume --refresh, not typed by hand.',
    usage: 'claimcheck credential-process <config written by assume --refresh>',
    flags: {},
    arguments: [['<config>', 'The config.json in the renewal folder that assume --refresh wrote (~/.claimcheck/refresh-<profile>/config.json); the credentials are printed as the credential_process document.']],
    example: 'credential_process = node /path/to/claimcheck/dist/cli/index.js credential-process ~/.claimcheck/refresh-claimcheck/config.json',
    run: (argv, io) => {
      if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the path of the config that assume --refresh wrote');
      const otherJob = renewalOfOtherJob(argv[0] as string, io.env);
      if (otherJob) {
        io.stderr(`claimcheck credential-process: ${formatError(otherJob)}\n`);
        return Promise.resolve(1);
      }
      return runCredentialProcess(
        argv[0] as string,
        (token, settings, log) => ({ get: jsonGetter(), requestToken: renewalToken(token, io.env, settings, log), defaultSessionName: (claims) => cliSessionName(claims, io.env), runLabel: (claims) => cliRunLabel(claims, io.env) }),
        { stdout: io.stdout, stderr: io.stderr, now: Date.now },
      );
    },
  },
  'azure-refresh': {
    summary: 'Keep an Azure token file fresh for the rest of a job; started by assume, not typed by hand.',
    usage: 'claimcheck azure-refresh <the token folder assume made> (its config on standard input)',
    flags: {},
    example: 'started by claimcheck assume --azure-client-id … --token-command …, which prints its pid',
    run: (argv, io) => {
      if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the token folder that assume made');
      return runAzureRefresher(
        argv[0] as string,
        (token, settings, log) => ({ get: jsonGetter(), requestToken: renewalToken(token, io.env, settings, log), defaultSessionName: (claims) => cliSessionName(claims, io.env), runLabel: (claims) => cliRunLabel(claims, io.env) }),
        processRefresherIo(),
      );
    },
  },
};

/** A renewal's token: the platform's own request (github, circleci), else the file or command assume --refresh recorded. */
function renewalToken(token: TokenSpec, env: CliIo['env'], settings: Settings, log: Log): (audience: string) => Promise<string> {
  const services = { get: jsonGetter(), retry: networkRetry(settings.retryMaxAttempts, log), mask: () => {}, log };
  return platformRenewal(token, env, services) ?? renewalTokenReader(token, env);
}

// The CLI speaks in flags: the shared core names the Action's inputs ("Input aws-region",
// `Add "aws-region:" to the step's inputs`), which the CLI takes as flags of the same name.
// Errors are reworded here, at the CLI's door, and an issuer hint written for GitHub gives
// way to the platform's own when --platform says which CI this is.
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Longest first, so that aws-profile is never read as a prefix of a longer name.
const NAMES = Object.keys(INPUTS).sort((a, b) => b.length - a.length).map(escape).join('|');
const HYPHENATED = Object.keys(INPUTS).filter((name) => name.includes('-')).sort((a, b) => b.length - a.length).map(escape).join('|');

const REWORDINGS: ReadonlyArray<readonly [RegExp, string]> = [
  [new RegExp(`Add "(${NAMES}):" to the step's inputs`, 'g'), 'Add --$1'],
  [new RegExp(`\\b[Tt]he (${NAMES}) input\\b`, 'g'), '--$1'],
  [new RegExp(`\\b[Ii]nput (${NAMES})(?![\\w-])`, 'g'), '--$1'],
  // Bare names with a hyphen are inputs (single words like "issuer" are also plain words);
  // a role-chain hop's own options (`managed-session-policies=`) are not flags.
  [new RegExp(`(?<![\\w/.@"'=-])(?<!sets )(${HYPHENATED})(?![\\w=-])`, 'g'), '--$1'],
];

/** Text with the inputs it names written as the CLI's flags. */
function flagWording(text: string): string {
  return REWORDINGS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text).replaceAll('----', '--');
}

/** The error as the CLI says it: flags for inputs, and the preset's issuer for a TOKEN_ISSUER nothing else narrowed down. */
function inCliTerms(error: ClaimcheckError, preset: Preset | undefined): ClaimcheckError {
  let hint = error.hint;
  if (error.code === 'TOKEN_ISSUER' && hint === GENERIC_ISSUER_HINT) {
    hint = preset
      ? `With --platform ${preset.name}, ${preset.issuerHint}; give --issuer only for another issuer, exactly the token's iss.`
      : "Set --issuer to your CI provider's issuer, exactly the token's iss (claimcheck explain --no-verify --token-file <file> shows it), or use --platform for a CI claimcheck knows.";
  }
  return new ClaimcheckError(error.code, flagWording(error.message), flagWording(hint));
}

/** The --platform an argument list names, for wording its errors; undefined when none (or no valid one) is given. */
function platformArgument(argv: readonly string[]): string | undefined {
  for (const [index, arg] of argv.entries()) {
    if (arg === '--platform') return argv[index + 1];
    if (arg.startsWith('--platform=')) return arg.slice('--platform='.length);
  }
  return undefined;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 3;
  return [
    `claimcheck ${VERSION}: short-lived AWS and Google Cloud credentials from a CI job's OIDC token.`,
    '',
    'Usage: claimcheck <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    "Run 'claimcheck <command> --help' for a command's options; 'claimcheck --version' for the version.",
    '',
  ].join('\n');
}

/** A command's help: every section it has content for, and none it has not. */
function commandHelp(name: string, command: Command): string {
  const sections = [`claimcheck ${name}: ${command.summary}`, `Usage: ${command.usage}`];
  if (command.arguments?.length) sections.push(['Arguments:', ...command.arguments.map(([argument, meaning]) => `  ${argument}  ${meaning}`)].join('\n'));
  if (Object.keys(command.flags).length > 0) sections.push(`Options:\n${describeFlags(command.flags)}`);
  sections.push(`Example:\n  ${command.example}`);
  return `${sections.join('\n\n')}\n`;
}

export async function runCli(argv: readonly string[], io: CliIo, self: SelfCommand): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`claimcheck: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')}; see claimcheck --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(name, command));
    return 0;
  }
  const secrets = new Secrets(() => {});
  try {
    return await command.run(rest, io, lineLog((line) => io.stderr(`${line}\n`), secrets.redact, io.env), secrets, self);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`claimcheck ${name}: ${error.message} (see claimcheck ${name} --help)\n`);
      return 2;
    }
    const platform = platformArgument(rest);
    io.stderr(`${secrets.redact(formatError(inCliTerms(asClaimcheckError(error), platform !== undefined && isPresetName(platform) ? PRESETS[platform] : undefined)))}\n`);
    return 1;
  }
}
