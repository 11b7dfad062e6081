// `claimcheck assume`: the same exchange as the Action and the orb, for any CI: the token
// from a file, a variable or a command; every Action input as a flag of the same name;
// the credentials as shell exports, JSON, credential_process output or CI env files.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { cloudTargets } from '../clouds/registry.js';
import { DEFAULT_PROFILE, handoverShellLines } from '../core/aws/exported-variables.js';
import { EXPORT_MODES } from '../core/aws/settings.js';
import { INPUTS, type InputName } from '../core/config/inputs.generated.js';
import { isBooleanInput } from '../core/config/orb-parameters.js';
import { parseSettings, type InputSource } from '../core/config/settings.js';
import type { Secrets } from '../core/secrets.js';
import { claimcheckFolder, ownFolder } from '../files/private-folder.js';
import { preloadRulesFile } from '../files/rules-file.js';
import type { HandOver, HandOverPlace, Log, Rerun, SelfCommand, TokenSpec } from '../flow/cloud.js';
import { exchange } from '../flow/exchange.js';
import { flowDeps, jsonGetter, stsEndpointFromEnvironment } from '../flow/wiring.js';
import { cliRunLabel, cliSessionName } from '../platform/presets.js';
import { appendToEnvFile } from '../platform/shared/env-file.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import { assertExportTarget, dataJson, documentOf, githubEnvEntries, OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import type { CliIo } from './io.js';
import { checkPlatformClaims, PLATFORM_FLAG, presetOf, reportRun, tokenOrigin, withPreset } from './platform.js';
import { TOKEN_FLAGS, tokenSource } from './token-source.js';

/** Inputs that mean nothing outside a GitHub step; the CLI reads token files with --token-file. */
const NOT_CLI: readonly InputName[] = ['output-credentials', 'web-identity-token-file'];

function inputFlags(): Flags {
  const names = (Object.keys(INPUTS) as InputName[]).filter((name) => !NOT_CLI.includes(name));
  return Object.fromEntries(names.map((name) => [name, { kind: isBooleanInput(name) ? 'boolean' : 'string', description: INPUTS[name].description }]));
}

export const ASSUME_FLAGS: Flags = {
  platform: PLATFORM_FLAG,
  ...TOKEN_FLAGS,
  ...inputFlags(),
  // --format says how the credentials are printed or written; --export whether they are handed over as variables at all.
  export: {
    kind: 'string',
    value: EXPORT_MODES.join('|'),
    description: `Where the credentials go: env (default) as --format says; profile: the named profile --aws-profile (default ${DEFAULT_PROFILE}), as --aws-profile or --refresh alone; none: nowhere, only printed as data (--format json, the default then, or credential-process).`,
  },
  format: { kind: 'string', value: OUTPUT_FORMATS.join('|'), description: 'How to hand over the credentials (default env: export lines for eval).' },
};

export const ASSUME_USAGE = 'claimcheck assume (--platform gitlab|buildkite|bitbucket | --token-file <path> --issuer <url> --audience <aud>) (--role-to-assume <arn> --aws-region <region> | --azure-client-id <guid> --azure-tenant-id <tenant>) [options]';

function formatOf(flags: ParsedFlags): OutputFormat {
  const format = flags.strings.get('format') ?? (flags.strings.get('export') === 'none' ? 'json' : 'env');
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}`);
  return format as OutputFormat;
}

/** Where the token flags read the token, for the log: the CLI reads a token, it never requests one. */
function tokenReadFrom(flags: ParsedFlags): string {
  const file = flags.strings.get('token-file');
  if (file !== undefined) return file === '-' ? 'standard input' : `the file ${file}`;
  const variable = flags.strings.get('token-env');
  return variable !== undefined ? `the environment variable ${variable}` : 'the output of --token-command';
}
/** Formats that print the credentials as data, for the caller to use: all that --export none allows. */
const DATA_FORMATS: readonly OutputFormat[] = ['json', 'credential-process'];

/** How a renewal reads the token again: only a file or a command can give a fresh one. */
function renewableToken(flags: ParsedFlags): TokenSpec | undefined {
  const command = flags.strings.get('token-command');
  if (command) return { kind: 'command', command };
  const file = flags.strings.get('token-file');
  if (file && file !== '-') return { kind: 'file', path: resolve(file) };
  if (flags.booleans.has('refresh')) throw new UsageError('--refresh needs --token-command or --token-file (a path), which renewals can read again');
  return undefined;
}

export async function assumeCommand(argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand): Promise<void> {
  const given = parseFlags(argv, ASSUME_FLAGS);
  const preset = presetOf(given);
  const flags = withPreset(given, preset, io.env);
  const format = formatOf(flags);
  assertExportTarget(format, io.env);
  if (flags.booleans.has('refresh') && format !== 'env') throw new UsageError('--refresh writes a profile and prints the lines that select it: use --format env');
  // AWS renews only with --refresh; Azure's token file is kept fresh whenever the source can give a fresh token.
  const renewal = renewableToken(flags);
  for (const name of ['issuer', 'audience']) if (!flags.strings.has(name)) throw new UsageError(`--${name} is required: say which issuer and audience the token must have`);
  const readToken = tokenSource(flags, io, tokenOrigin(given, preset));
  const inputs: InputSource = (name) => (flags.booleans.has(name) ? 'true' : flags.strings.get(name));
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(io.env), readRulesFile });
  if (preset) checkPlatformClaims([...settings.rules, ...(settings.aws?.roleMap ?? []).flatMap((entry) => entry.rules)], preset.name, 'The rules');
  if (settings.aws?.export === 'none' && !DATA_FORMATS.includes(format)) throw new UsageError(`--export none hands nothing over: use --format json or credential-process, not ${format}`);
  const sessions = await exchange(settings, cloudTargets(settings), flowDeps(settings, {
    get: jsonGetter(),
    log,
    mask: secrets.add,
    requestToken: readToken,
    tokenOrigin: tokenReadFrom(flags),
    defaultSessionName: (claims) => cliSessionName(claims, io.env, preset),
    runLabel: (claims) => cliRunLabel(claims, io.env, preset),
  }));
  if (preset) reportRun(preset, settings, sessions, io.env, log);
  const rerun: Rerun | undefined = renewal && { self, inputs: givenInputs(inputs), token: renewal };
  const handovers = sessions.map((session) => session.handOver(cliPlace(io.env, rerun)));
  printHandovers(handovers, format, io, log);
}

/** Every input as the flags gave it, for a later run of claimcheck (a renewal). */
function givenInputs(inputs: InputSource): Record<string, string> {
  return Object.fromEntries((Object.keys(INPUTS) as InputName[]).map((name) => [name, inputs(name) ?? '']));
}

/**
 * On the machine the CLI runs on: private folders in ~/.claimcheck, which nobody else may
 * write (they could swap its files); what is written stays until removed by hand.
 */
function cliPlace(env: CliIo['env'], rerun: Rerun | undefined): HandOverPlace {
  const home = homedir();
  return {
    env,
    home,
    privateFolder: (name) => {
      ownFolder(claimcheckFolder(home));
      return join(claimcheckFolder(home), name);
    },
    record: () => {},
    rerun,
    canUnset: true,
  };
}

/** The hand-overs as --format says: shell lines, JSON, a document of the cloud's, or a CI's env file. */
function printHandovers(handovers: readonly HandOver[], format: OutputFormat, io: CliIo, log: Log): void {
  for (const handover of handovers) {
    for (const note of handover.notes) log.info(note);
    for (const warning of handover.warnings) log.warning(warning);
  }
  if (format === 'json') return io.stdout(dataJson(handovers));
  if (format === 'credential-process') return io.stdout(documentOf(handovers, format));
  const variables = handovers.filter((handover) => handover.set.length + handover.clear.length > 0);
  if (format === 'env') for (const handover of variables) io.stdout(handoverShellLines(handover));
  else if (format === 'github') {
    for (const handover of variables) {
      for (const [, value] of handover.set) io.stdout(`::add-mask::${value}\n`);
      appendToEnvFile('GITHUB_ENV', requiredFile(io.env, 'GITHUB_ENV'), githubEnvEntries(handover.set));
    }
    if (variables.length > 0) log.info('Exported the credentials to $GITHUB_ENV for the steps that follow.');
  } else {
    for (const handover of variables) appendToEnvFile('BASH_ENV', requiredFile(io.env, 'BASH_ENV'), handoverShellLines(handover));
    if (variables.length > 0) log.info('Exported the credentials to $BASH_ENV for the steps that follow.');
  }
}

function requiredFile(env: CliIo['env'], name: string): string {
  const path = env[name];
  if (!path) throw new UsageError(`--format ${name === 'GITHUB_ENV' ? 'github' : 'circleci'} needs $${name}, which is not set`);
  return path;
}
