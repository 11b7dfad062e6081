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
import { cannotWriteError, unwritableFolder } from '../files/writable-folder.js';
import { preloadRulesFile } from '../files/rules-file.js';
import type { HandOver, HandOverPlace, Log, Rerun, SelfCommand, TokenSpec } from '../flow/cloud.js';
import { checkHandOvers, exchange } from '../flow/exchange.js';
import { flowDeps, jsonGetter, networkRetry, stsEndpointFromEnvironment } from '../flow/wiring.js';
import { cliRunLabel, cliSessionName, PRESET_NAMES, type PresetRequest, type PresetServices } from '../platform/presets.js';
import { appendToEnvFile } from '../platform/shared/env-file.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import { assertExportTarget, dataJson, documentOf, githubEnvEntries, OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import type { CliIo } from './io.js';
import { checkPlatformClaims, cliTokenReader, PLATFORM_FLAG, presetOf, presetRequest, reportRun, soleCloudAudience, tokenReadFrom, withPreset } from './platform.js';
import { TOKEN_FLAGS } from './token-source.js';
import { jobOf } from '../core/config/ci-job.js';
import { runRecorder, type RunRecorder } from './cleanup/records.js';

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

export const ASSUME_USAGE = `claimcheck assume (--platform ${PRESET_NAMES.join('|')} | --token-file <path> --issuer <url> --audience <aud>) (--role-to-assume <arn> --aws-region <region> | --workload-identity-provider <name> [--service-account <email>] | --azure-client-id <guid> --azure-tenant-id <tenant>) [options]`;

function formatOf(flags: ParsedFlags): OutputFormat {
  const format = flags.strings.get('format') ?? (flags.strings.get('export') === 'none' ? 'json' : 'env');
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}`);
  return format as OutputFormat;
}

/** Formats that print the credentials as data, for the caller to use: all that --export none allows. */
const DATA_FORMATS: readonly OutputFormat[] = ['json', 'credential-process'];

/**
 * How a later process gets the token again, where it can: the platform's own request, a
 * command, a file (a path), or a variable of its environment. Bound to this job: a later job on
 * the machine is never served this job's credentials.
 */
function reusableToken(flags: ParsedFlags, request: PresetRequest | undefined, env: CliIo['env']): TokenSpec | undefined {
  const job = jobOf(env);
  if (request) return { ...request.renewal(env), job };
  const command = flags.strings.get('token-command');
  if (command) return { kind: 'command', command, job };
  const file = flags.strings.get('token-file');
  if (file && file !== '-') return { kind: 'file', path: resolve(file), job };
  const variable = flags.strings.get('token-env');
  return variable ? { kind: 'env', variable, job } : undefined;
}

/** How a renewal gets a fresh token: the platform's own request, a file or a command (a variable holds the same token all job). */
function renewableToken(token: TokenSpec | undefined): TokenSpec {
  if (token && token.kind !== 'env') return token;
  throw new UsageError('--refresh needs --platform github|circleci, --token-command or --token-file (a path), which renewals can get a fresh token from');
}

export async function assumeCommand(argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand): Promise<void> {
  const given = parseFlags(argv, ASSUME_FLAGS);
  const preset = presetOf(given);
  const flags = withPreset(given, preset, io.env);
  const format = formatOf(flags);
  assertExportTarget(format, io.env);
  if (flags.booleans.has('refresh') && format !== 'env') throw new UsageError('--refresh writes a profile and prints the lines that select it: use --format env');
  const reusable = reusableToken(flags, presetRequest(given, preset), io.env);
  const renewal = flags.booleans.has('refresh') ? renewableToken(reusable) : undefined;
  for (const name of ['issuer', 'audience']) {
    // Google's and Azure's audiences follow from the cloud alone, as in the Action.
    if (!flags.strings.has(name) && !(name === 'audience' && soleCloudAudience(flags) !== undefined)) throw new UsageError(`--${name} is required: say which issuer and audience the token must have`);
  }
  let services: PresetServices | undefined;
  const readToken = cliTokenReader(given, flags, preset, io, () => services as PresetServices);
  const inputs: InputSource = (name) => (flags.booleans.has(name) ? 'true' : flags.strings.get(name));
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(io.env), readRulesFile });
  if (preset) checkPlatformClaims([...settings.rules, ...(settings.aws?.roleMap ?? []).flatMap((entry) => entry.rules)], preset.name, 'The rules');
  if (settings.aws?.export === 'none' && !DATA_FORMATS.includes(format)) throw new UsageError(`--export none hands nothing over: use --format json or credential-process, not ${format}`);
  services = { get: jsonGetter(), retry: networkRetry(settings.retryMaxAttempts, log), mask: secrets.add, log };
  const targets = cloudTargets(settings);
  // A renewing profile needs a fresh token; a Google credentials file renews from any token source that can be read again.
  const token = renewal ?? reusable;
  const rerun: Rerun | undefined = token && { self, inputs: givenInputs(inputs), token };
  if (renewal?.job === '') log.warning(UNBOUND_RENEWAL);
  const recorder = runRecorder(homedir(), io.env, format, log);
  const place = cliPlace(io.env, rerun, recorder, format !== 'github');
  checkHandOvers(targets, place);
  const sessions = await exchange(settings, targets, flowDeps(settings, {
    get: services.get,
    log,
    mask: secrets.add,
    requestToken: readToken,
    tokenOrigin: tokenReadFrom(given, flags, preset),
    defaultSessionName: (claims) => cliSessionName(claims, io.env, preset),
    runLabel: (claims) => cliRunLabel(claims, io.env, preset),
  }));
  if (preset) reportRun(preset, settings, sessions, io.env, log);
  const handovers = sessions.map((session) => session.handOver(place));
  printHandovers(handovers, format, io, log, recorder);
}

const UNBOUND_RENEWAL =
  'No CI job variable tells this job from a later one on this machine (set CLAIMCHECK_JOB to the job\'s id where the CI is not GitHub, CircleCI, GitLab, Buildkite or Bitbucket): run claimcheck cleanup at the end of the job, or a later job that selects this profile gets these credentials.';

/** Every input as the flags gave it, for a later run of claimcheck (a renewal). */
function givenInputs(inputs: InputSource): Record<string, string> {
  return Object.fromEntries((Object.keys(INPUTS) as InputName[]).map((name) => [name, inputs(name) ?? '']));
}

/**
 * On the machine the CLI runs on: private folders in ~/.claimcheck, which nobody else may
 * write (they could swap its files); what is written is recorded first, for claimcheck cleanup.
 * Shell lines can unset a variable; $GITHUB_ENV (--format github) can only set it empty.
 */
function cliPlace(env: CliIo['env'], rerun: Rerun | undefined, recorder: RunRecorder, canUnset: boolean): HandOverPlace {
  const home = homedir();
  return {
    env,
    home,
    privateFolder: (name) => {
      const folder = claimcheckFolder(home);
      const why = unwritableFolder(folder);
      if (why) throw cannotWriteError(folder, why, home, 'run claimcheck as a user whose home it can write.');
      ownFolder(folder);
      return join(folder, name);
    },
    record: (undo) => recorder.record(undo),
    rerun,
    canUnset,
  };
}

/** The hand-overs as --format says: shell lines, JSON, a document of the cloud's, or a CI's env file. */
function printHandovers(handovers: readonly HandOver[], format: OutputFormat, io: CliIo, log: Log, recorder: RunRecorder): void {
  for (const handover of handovers) {
    for (const note of handover.notes) log.info(note);
    for (const warning of handover.warnings) log.warning(warning);
  }
  if (format === 'json') return io.stdout(dataJson(handovers));
  if (format === 'credential-process') return io.stdout(documentOf(handovers, format));
  const variables = handovers.filter((handover) => handover.set.length + handover.clear.length > 0);
  const names = (handover: HandOver) => handover.set.map(([name]) => name);
  if (format === 'env') {
    for (const handover of variables) {
      recorder.exported('env', names(handover), '');
      io.stdout(handoverShellLines(handover));
    }
  } else if (format === 'github') {
    for (const handover of variables) {
      for (const [, value] of handover.set) io.stdout(`::add-mask::${value}\n`);
      recorder.exported('github', names(handover), '');
      // What must be cleared is set empty there, as the Action does.
      const entries = [...handover.set, ...handover.clear.map((name) => [name, ''] as const)];
      appendToEnvFile('GITHUB_ENV', requiredFile(io.env, 'GITHUB_ENV'), githubEnvEntries(entries));
    }
    if (variables.length > 0) log.info('Exported the credentials to $GITHUB_ENV for the steps that follow.');
  } else {
    for (const handover of variables) {
      const lines = handoverShellLines(handover);
      recorder.exported('circleci', names(handover), lines);
      appendToEnvFile('BASH_ENV', requiredFile(io.env, 'BASH_ENV'), lines);
    }
    if (variables.length > 0) log.info('Exported the credentials to $BASH_ENV for the steps that follow.');
  }
}

function requiredFile(env: CliIo['env'], name: string): string {
  const path = env[name];
  if (!path) throw new UsageError(`--format ${name === 'GITHUB_ENV' ? 'github' : 'circleci'} needs $${name}, which is not set`);
  return path;
}
