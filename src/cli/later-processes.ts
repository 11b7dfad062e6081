// What later processes of a job run, given the path `assume` wrote: the renewing profile's
// credential_process, Google's executable credential source, and the Azure token file's
// refresher. Each gets its fresh token as the config says (the platform's own request, a
// command, a file or a variable), and none serves a config another CI job wrote.
import { runCredentialProcess } from '../clouds/aws/credential-process.js';
import { processRefresherIo, runAzureRefresher } from '../clouds/azure/refresher.js';
import { runGoogleSubjectToken } from '../clouds/gcp/subject-token.js';
import type { Settings } from '../core/config/settings.js';
import { formatError } from '../core/errors.js';
import { executableFailure } from '../core/gcp/credentials-file.js';
import type { Log, TokenSpec } from '../flow/cloud.js';
import { jsonGetter, networkRetry, type FrontDoor } from '../flow/wiring.js';
import { cliRunLabel, cliSessionName, platformRenewal } from '../platform/presets.js';
import { UsageError } from './args.js';
import { renewalOfOtherJob } from './cleanup/records.js';
import type { CliIo } from './io.js';
import type { CommandParts } from './main.js';
import { renewalTokenReader } from './token-source.js';

/** A renewal's token: the platform's own request (github, circleci), else the file, command or variable assume recorded. */
function renewalToken(token: TokenSpec, env: CliIo['env'], settings: Settings, log: Log): (audience: string) => Promise<string> {
  const services = { get: jsonGetter(), retry: networkRetry(settings.retryMaxAttempts, log), mask: () => {}, log };
  return platformRenewal(token, env, services) ?? renewalTokenReader(token, env);
}

/** The CLI's way for a later process to get a token and name its runs. */
function renewalDoor(io: CliIo) {
  return (token: TokenSpec, settings: Settings, log: Log): Omit<FrontDoor, 'log' | 'mask'> => ({
    get: jsonGetter(),
    requestToken: renewalToken(token, io.env, settings, log),
    defaultSessionName: (claims) => cliSessionName(claims, io.env),
    runLabel: (claims) => cliRunLabel(claims, io.env),
  });
}

/** The one path a later process takes. */
function pathArgument(argv: readonly string[], what: string): string {
  if (argv.length !== 1 || argv[0]?.startsWith('--')) throw new UsageError(`give the path of ${what}`);
  return argv[0] as string;
}

const RUNS: Readonly<Record<string, (argv: readonly string[], io: CliIo) => Promise<number>>> = {
  'credential-process': async (argv, io) => {
    const path = pathArgument(argv, 'the config that assume --refresh wrote');
    const otherJob = renewalOfOtherJob(path, io.env);
    if (otherJob) {
      io.stderr(`claimcheck credential-process: ${formatError(otherJob)}\n`);
      return 1;
    }
    return runCredentialProcess(path, renewalDoor(io), { stdout: io.stdout, stderr: io.stderr, now: Date.now });
  },
  'google-subject-token': async (argv, io) => {
    const path = pathArgument(argv, 'the renewal config that assume wrote');
    const otherJob = renewalOfOtherJob(path, io.env);
    // Google's clients show what the executable prints on standard output.
    if (otherJob) return (io.stdout(executableFailure(otherJob.code, `${otherJob.message} Hint: ${otherJob.hint}`)), 0);
    return runGoogleSubjectToken(path, renewalDoor(io), { stdout: io.stdout, env: io.env });
  },
  'azure-refresh': async (argv, io) => runAzureRefresher(pathArgument(argv, 'the token folder that assume made'), renewalDoor(io), processRefresherIo()),
};

const ARGUMENTS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  'credential-process': [['<config>', 'The config.json in the renewal folder that assume --refresh wrote (~/.claimcheck/refresh-<profile>/config.json); the credentials are printed as the credential_process document.']],
  'google-subject-token': [['<config>', "The renewal config beside the credentials file assume wrote; the token is printed as Google's executable-source document."]],
  'azure-refresh': [['<folder>', 'The token folder assume made; the refresher reads its config on standard input and keeps the token file in the folder fresh.']],
};

export function laterProcess(name: string, usage: string): CommandParts {
  const run = RUNS[name];
  if (run === undefined) throw new Error(`no later process ${name}`);
  return { usage, flags: {}, arguments: ARGUMENTS[name] ?? [], run: (argv, io) => run(argv, io) };
}
