// The claimcheck command line: dispatch, help, version, and the one place that turns a
// failure into output, in the CLI's own terms: a ClaimcheckError exits 1 with its two lines
// (reworded in flags by wording.ts), a usage error exits 2 with one. Standard output carries
// only results; logs go to standard error. Each command's code is loaded when the command runs
// or shows its help, in one of two chunks (webpackChunkName groups each chunk's imports; every
// import() site would otherwise make more chunks, each a file to load): "network" for the
// commands that fetch keys or call a cloud, "offline" for those that load no HTTP client;
// `--help` loads nothing but this file.
import { asClaimcheckError, formatError } from '../core/errors.js';
import { Secrets } from '../core/secrets.js';
import { VERSION } from '../core/version.generated.js';
import type { Log, SelfCommand } from '../flow/cloud.js';
import { lineLog } from '../flow/line-log.js';
import { describeFlags, UsageError, type Flags } from './args.js';
import type { CliIo } from './io.js';

/** What a command loads when it runs or shows its help. */
export interface CommandParts {
  readonly usage: string;
  readonly flags: Flags;
  /** Positional arguments, for commands that take them instead of options: name and meaning. */
  readonly arguments?: ReadonlyArray<readonly [string, string]>;
  readonly run: (argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand) => Promise<number>;
}

interface Command {
  readonly summary: string;
  readonly example: string;
  readonly load: () => Promise<CommandParts>;
}

/** The commands a later process runs (a renewal, a refresher), given the path assume wrote. */
const laterProcess = async (name: string, usage: string) => (await import(/* webpackChunkName: "network" */ './later-processes.js')).laterProcess(name, usage);

export const COMMANDS: Readonly<Record<string, Command>> = {
  assume: {
    summary: 'Verify a CI job\'s OIDC token, check its claims, and hand over credentials of every cloud the step names (an AWS role, a Google Cloud provider, an Azure app).',
    example: 'creds="$(claimcheck assume --platform gitlab --role-to-assume arn:aws:iam::123456789012:role/deploy --aws-region us-east-1 \\\n    --claims \'project_id=42\')" && eval "$creds"',
    load: async () => {
      const { ASSUME_FLAGS, ASSUME_USAGE, assumeCommand } = await import(/* webpackChunkName: "network" */ './assume.js');
      return { usage: ASSUME_USAGE, flags: ASSUME_FLAGS, run: async (argv, io, log, secrets, self) => (await assumeCommand(argv, io, log, secrets, self), 0) };
    },
  },
  explain: {
    summary: 'Show a token\'s claims, which rules hold, which role map entry it gets, and the trust-policy condition that accepts it.',
    example: 'claimcheck explain --token-env ACTIONS_TOKEN --issuer https://token.actions.githubusercontent.com --audience sts.amazonaws.com --rules-file claimcheck.yml',
    load: async () => {
      const { EXPLAIN_FLAGS, EXPLAIN_USAGE, explainCommand } = await import(/* webpackChunkName: "network" */ './explain.js');
      return { usage: EXPLAIN_USAGE, flags: EXPLAIN_FLAGS, run: (argv, io, log) => explainCommand(argv, io, log) };
    },
  },
  'trust-policy': {
    summary: 'Print the IAM role trust policy (JSON, or Terraform) that accepts a token, a rules file, or a repository, project or pipeline (GitHub, CircleCI, GitLab, Buildkite, Bitbucket), or decide with --check whether a live one is right; --cloud gcp: the Google provider condition; --cloud azure: Entra ID federated credentials.',
    example: 'claimcheck trust-policy --account-id 123456789012 --platform github --repository acme/api --branch main --environment prod --format terraform',
    load: async () => {
      const [aws, gcp, azure] = await Promise.all([
        import(/* webpackChunkName: "offline" */ './trust/trust-policy.js'),
        import(/* webpackChunkName: "offline" */ './trust/gcp.js'),
        import(/* webpackChunkName: "offline" */ './trust/azure.js'),
      ]);
      return {
        usage: `${aws.TRUST_POLICY_USAGE}\n       ${gcp.GCP_TRUST_POLICY_USAGE}\n       ${azure.AZURE_TRUST_USAGE}`,
        // --cloud gcp and --cloud azure take their own options; help lists them all (AWS's wording where a name is shared).
        flags: { ...azure.AZURE_TRUST_FLAGS, ...gcp.GCP_TRUST_POLICY_FLAGS, ...aws.TRUST_POLICY_FLAGS },
        run: (argv, io) => aws.trustPolicyCommand(argv, io),
      };
    },
  },
  audit: {
    summary: 'Say, for every role of an account that trusts an OIDC provider, whether its trust policy pins the repositories or projects it lets in: open, names-only, pinned or cannot-verify.',
    example: 'aws iam get-account-authorization-details --filter Role > account.json && claimcheck audit account.json --rules-file claimcheck.yml',
    load: async () => {
      const { AUDIT_FLAGS, AUDIT_USAGE, auditCommand } = await import(/* webpackChunkName: "offline" */ './trust/audit.js');
      return { usage: AUDIT_USAGE, flags: AUDIT_FLAGS, run: (argv, io) => auditCommand(argv, io) };
    },
  },
  cleanup: {
    summary: 'Undo what assume left in this job: profiles, renewal folders and their cached credentials, and the credentials it appended to $GITHUB_ENV or $BASH_ENV.',
    example: 'eval "$(claimcheck cleanup)"   # at the end of the job (GitLab: after_script; Buildkite: a pre-exit hook)',
    load: async () => {
      const { CLEANUP_FLAGS, CLEANUP_USAGE, cleanupCommand } = await import(/* webpackChunkName: "network" */ './cleanup/command.js');
      return { usage: CLEANUP_USAGE, flags: CLEANUP_FLAGS, run: async (argv, io, log) => cleanupCommand(argv, io, log) };
    },
  },
  'credential-process': {
    summary: 'Print credentials for an AWS profile\'s credential_process; written by assume --refresh, not typed by hand.',
    example: 'credential_process = node /path/to/claimcheck/dist/cli/index.js credential-process ~/.claimcheck/refresh-claimcheck/config.json',
    load: () => laterProcess('credential-process', 'claimcheck credential-process <config written by assume --refresh>'),
  },
  'google-subject-token': {
    summary: "Print a fresh, checked CI token for a Google client's credentials file; written by assume, not typed by hand.",
    example: '"credential_source": {"executable": {"command": "node /path/to/claimcheck/dist/cli/index.js google-subject-token ~/.claimcheck/gcp-…/renewal.json"}}',
    load: () => laterProcess('google-subject-token', 'claimcheck google-subject-token <renewal config written by assume --workload-identity-provider>'),
  },
  'azure-refresh': {
    summary: 'Keep an Azure token file fresh for the rest of a job; started by assume, not typed by hand.',
    example: 'started by claimcheck assume --azure-client-id … --token-command …, which prints its pid',
    load: () => laterProcess('azure-refresh', 'claimcheck azure-refresh <the token folder assume made> (its config on standard input)'),
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 3;
  return [
    `claimcheck ${VERSION}: short-lived AWS, Google Cloud and Azure credentials from a CI job's OIDC token.`,
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
function commandHelp(name: string, command: Command, parts: CommandParts): string {
  const sections = [`claimcheck ${name}: ${command.summary}`, `Usage: ${parts.usage}`];
  if (parts.arguments?.length) sections.push(['Arguments:', ...parts.arguments.map(([argument, meaning]) => `  ${argument}  ${meaning}`)].join('\n'));
  if (Object.keys(parts.flags).length > 0) sections.push(`Options:\n${describeFlags(parts.flags)}`);
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
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`claimcheck: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')}; see claimcheck --help)\n`);
    return 2;
  }
  const secrets = new Secrets(() => {});
  try {
    const parts = await command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(commandHelp(name, command, parts));
      return 0;
    }
    return await parts.run(rest, io, lineLog((line) => io.stderr(`${line}\n`), secrets.redact, io.env), secrets, self);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`claimcheck ${name}: ${error.message} (see claimcheck ${name} --help)\n`);
      return 2;
    }
    const { cliError } = await import(/* webpackChunkName: "network" */ './wording.js');
    io.stderr(`${secrets.redact(formatError(cliError(asClaimcheckError(error), rest)))}\n`);
    return 1;
  }
}
