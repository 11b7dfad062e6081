// The claimcheck command line: dispatch, help, version, and the one place that turns a
// failure into output: a ClaimcheckError exits 1 with its two lines, a usage error exits
// 2 with one. Standard output carries only results; logs go to standard error. Each command's
// code is loaded when the command runs or shows its help, in one of two chunks (webpackChunkName
// groups each chunk's imports; every import() site would otherwise make more chunks, each a file
// to load): "network" for the commands that fetch keys or call a cloud, "offline" for
// trust-policy, which loads no HTTP client; `--help` loads nothing but this file.
import { asClaimcheckError, formatError } from '../core/errors.js';
import { Secrets } from '../core/secrets.js';
import { VERSION } from '../core/version.generated.js';
import type { Log, SelfCommand, TokenSpec } from '../flow/cloud.js';
import { lineLog } from '../flow/line-log.js';
import { describeFlags, UsageError, type Flags } from './args.js';
import type { CliIo } from './io.js';

/** What a command loads when it runs or shows its help. */
interface CommandParts {
  readonly usage: string;
  readonly flags: Flags;
  readonly run: (argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand) => Promise<number>;
}

interface Command {
  readonly summary: string;
  readonly example: string;
  readonly load: () => Promise<CommandParts>;
}

/** How the renewals (credential-process, google-subject-token) read a token: as the config that assume wrote says. */
async function renewalDoor(io: CliIo) {
  const [{ jsonGetter }, { renewalTokenReader }, { cliRunLabel, cliSessionName }] = await Promise.all([import(/* webpackChunkName: "network" */ '../flow/wiring.js'), import(/* webpackChunkName: "network" */ './token-source.js'), import(/* webpackChunkName: "network" */ '../platform/presets.js')]);
  return (token: TokenSpec) => ({
    get: jsonGetter(),
    requestToken: renewalTokenReader(token, io.env),
    defaultSessionName: (claims: Readonly<Record<string, unknown>>) => cliSessionName(claims, io.env),
    runLabel: (claims: Readonly<Record<string, unknown>>) => cliRunLabel(claims, io.env),
  });
}

const COMMANDS: Readonly<Record<string, Command>> = {
  assume: {
    summary: 'Verify a CI job\'s OIDC token, check its claims, assume an IAM role and hand over the credentials.',
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
    summary: 'Print the IAM role trust policy (JSON, or Terraform) that accepts a token, a rules file, or a repository, project or pipeline (GitHub, CircleCI, GitLab, Buildkite, Bitbucket); --cloud gcp: the Google provider condition.',
    example: 'claimcheck trust-policy --account-id 123456789012 --platform github --repository acme/api --branch main --environment prod --format terraform',
    load: async () => {
      const [{ TRUST_POLICY_FLAGS, TRUST_POLICY_USAGE, trustPolicyCommand }, { GCP_TRUST_POLICY_USAGE }] = await Promise.all([import(/* webpackChunkName: "offline" */ './trust-policy.js'), import(/* webpackChunkName: "offline" */ './trust-policy-gcp.js')]);
      return { usage: `${TRUST_POLICY_USAGE}\n       ${GCP_TRUST_POLICY_USAGE}`, flags: TRUST_POLICY_FLAGS, run: (argv, io) => trustPolicyCommand(argv, io) };
    },
  },
  'google-subject-token': {
    summary: "Print a fresh, checked CI token for a Google client's credentials file; written by assume, not typed by hand.",
    example: '"credential_source": {"executable": {"command": "node /path/to/claimcheck/dist/cli/index.js google-subject-token ~/.claimcheck/gcp-…/renewal.json"}}',
    load: async () => {
      const { runGoogleSubjectToken } = await import(/* webpackChunkName: "network" */ '../clouds/gcp/subject-token.js');
      return {
        usage: 'claimcheck google-subject-token <renewal config written by assume --workload-identity-provider>',
        flags: {},
        run: async (argv, io) => {
          if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the path of the renewal config that assume wrote');
          return runGoogleSubjectToken(argv[0] as string, await renewalDoor(io), { stdout: io.stdout, env: io.env });
        },
      };
    },
  },
  'credential-process': {
    summary: 'Print credentials for an AWS profile\'s credential_process; written by assume --refresh, not typed by hand.',
    example: 'credential_process = node /path/to/claimcheck/dist/cli/index.js credential-process ~/.claimcheck/refresh-claimcheck/config.json',
    load: async () => {
      const { runCredentialProcess } = await import(/* webpackChunkName: "network" */ '../clouds/aws/credential-process.js');
      return {
        usage: 'claimcheck credential-process <config written by assume --refresh>',
        flags: {},
        run: async (argv, io) => {
          if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the path of the config that assume --refresh wrote');
          return runCredentialProcess(argv[0] as string, await renewalDoor(io), { stdout: io.stdout, stderr: io.stderr, now: Date.now });
        },
      };
    },
  },
};

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

function commandHelp(name: string, command: Command, parts: CommandParts): string {
  return [`claimcheck ${name}: ${command.summary}`, '', `Usage: ${parts.usage}`, '', 'Options:', describeFlags(parts.flags), '', 'Example:', `  ${command.example}`, ''].join('\n');
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
    io.stderr(`${secrets.redact(formatError(asClaimcheckError(error)))}\n`);
    return 1;
  }
}
