// The claimcheck command line: dispatch, help, version, and the one place that turns a
// failure into output: a ClaimcheckError exits 1 with its two lines, a usage error exits
// 2 with one. Standard output carries only results; logs go to standard error.
import { asClaimcheckError, formatError } from '../core/errors.js';
import { Secrets } from '../core/secrets.js';
import { VERSION } from '../core/version.generated.js';
import type { Log } from '../flow/assume-role.js';
import { describeFlags, UsageError, type Flags } from './args.js';
import { jsonGetter, lineLog } from '../flow/wiring.js';
import { runCredentialProcess } from '../platform/shared/credential-process.js';
import type { SelfCommand } from '../clouds/aws/refresh.js';
import { cliRunLabel, cliSessionName } from '../platform/presets.js';
import { ASSUME_FLAGS, ASSUME_USAGE, assumeCommand } from './assume.js';
import { renewalTokenReader } from './token-source.js';
import { EXPLAIN_FLAGS, EXPLAIN_USAGE, explainCommand } from './explain.js';
import type { CliIo } from './io.js';
import { TRUST_POLICY_FLAGS, TRUST_POLICY_USAGE, trustPolicyCommand } from './trust-policy.js';
import { AUDIT_FLAGS, AUDIT_USAGE, auditCommand } from './audit.js';

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly flags: Flags;
  readonly example: string;
  readonly run: (argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
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
    summary: 'Print the IAM role trust policy (JSON, or Terraform) that accepts a token, a rules file, or a repository, project or pipeline (GitHub, CircleCI, GitLab, Buildkite, Bitbucket).',
    usage: TRUST_POLICY_USAGE,
    flags: TRUST_POLICY_FLAGS,
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
  'credential-process': {
    summary: 'Print credentials for an AWS profile\'s credential_process; written by assume --refresh, not typed by hand.',
    usage: 'claimcheck credential-process <config written by assume --refresh>',
    flags: {},
    example: 'credential_process = node /path/to/claimcheck/dist/cli/index.js credential-process ~/.claimcheck/refresh-claimcheck/config.json',
    run: (argv, io) => {
      if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError('give the path of the config that assume --refresh wrote');
      return runCredentialProcess(
        argv[0] as string,
        (token) => ({ get: jsonGetter(), requestToken: renewalTokenReader(token, io.env), defaultSessionName: (claims) => cliSessionName(claims, io.env), runLabel: (claims) => cliRunLabel(claims, io.env) }),
        { stdout: io.stdout, stderr: io.stderr, now: Date.now },
      );
    },
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 3;
  return [
    `claimcheck ${VERSION}: short-lived AWS credentials from a CI job's OIDC token.`,
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

function commandHelp(name: string, command: Command): string {
  return [`claimcheck ${name}: ${command.summary}`, '', `Usage: ${command.usage}`, '', 'Options:', describeFlags(command.flags), '', 'Example:', `  ${command.example}`, ''].join('\n');
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
    io.stderr(`${secrets.redact(formatError(asClaimcheckError(error)))}\n`);
    return 1;
  }
}
