// `claimcheck assume`: the same exchange as the Action and the orb, for any CI: the token
// from a file, a variable or a command; every Action input as a flag of the same name;
// the credentials as shell exports, JSON, credential_process output or CI env files.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ownFolder } from '../files/private-folder.js';
import { profileFiles, writeProfile } from '../clouds/aws/profile.js';
import { clearedNote, credentialHandover, DEFAULT_PROFILE, handoverShellLines, keysShadowingProfile, profileHandover, setIn, shadowedProfileNote, STALE_PROFILE_ON_GITHUB } from '../core/aws/exported-variables.js';
import { INPUTS, type InputName } from '../core/config/inputs.generated.js';
import { isBooleanInput } from '../core/config/orb-parameters.js';
import { Secrets } from '../core/secrets.js';
import { EXPORT_MODES, parseSettings, type InputSource, type Settings } from '../core/config/settings.js';
import { exportLines } from '../core/text/shell.js';
import { assumeRole, type Assumed, type Log } from '../flow/assume-role.js';
import { assumeRoleDeps, jsonGetter, stsEndpointFromEnvironment } from '../flow/wiring.js';
import { cliRunLabel, cliSessionName } from '../platform/presets.js';
import { appendToEnvFile } from '../platform/shared/env-file.js';
import { claimcheckFolder, homeRefreshDir, installRefresh, pinnedInputs, type RefreshSetup, type SelfCommand, type TokenSpec } from '../clouds/aws/refresh.js';
import { preloadRulesFile } from '../files/rules-file.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import { assertExportTarget, credentialProcessJson, credentialsJson, githubEnvEntries, OUTPUT_FORMATS, shellExports, type IssuedCredentials, type OutputFormat } from './formats.js';
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

export const ASSUME_USAGE = 'claimcheck assume (--platform gitlab|buildkite|bitbucket | --token-file <path> --issuer <url> --audience <aud>) --role-to-assume <arn> --aws-region <region> [options]';

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
function renewableToken(flags: ParsedFlags): TokenSpec {
  const command = flags.strings.get('token-command');
  if (command) return { kind: 'command', command };
  const file = flags.strings.get('token-file');
  if (file && file !== '-') return { kind: 'file', path: resolve(file) };
  throw new UsageError('--refresh needs --token-command or --token-file (a path), which renewals can read again');
}

export async function assumeCommand(argv: readonly string[], io: CliIo, log: Log, secrets: Secrets, self: SelfCommand): Promise<void> {
  const given = parseFlags(argv, ASSUME_FLAGS);
  const preset = presetOf(given);
  const flags = withPreset(given, preset, io.env);
  const format = formatOf(flags);
  assertExportTarget(format, io.env);
  if (flags.booleans.has('refresh') && format !== 'env') throw new UsageError('--refresh writes a profile and prints the lines that select it: use --format env');
  const renewal = flags.booleans.has('refresh') ? renewableToken(flags) : undefined;
  for (const name of ['issuer', 'audience']) if (!flags.strings.has(name)) throw new UsageError(`--${name} is required: say which issuer and audience the token must have`);
  const readToken = tokenSource(flags, io, tokenOrigin(given, preset));
  const inputs: InputSource = (name) => (flags.booleans.has(name) ? 'true' : flags.strings.get(name));
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(io.env), readRulesFile });
  if (preset) checkPlatformClaims([...settings.rules, ...settings.roleMap.flatMap((entry) => entry.rules)], preset.name, 'The rules');
  if (settings.export === 'none' && !DATA_FORMATS.includes(format)) throw new UsageError(`--export none hands nothing over: use --format json or credential-process, not ${format}`);
  const assumed = await assumeRole(settings, assumeRoleDeps(settings, {
    get: jsonGetter(),
    log,
    mask: secrets.add,
    requestToken: readToken,
    tokenOrigin: tokenReadFrom(flags),
    defaultSessionName: (claims) => cliSessionName(claims, io.env, preset),
    runLabel: (claims) => cliRunLabel(claims, io.env, preset),
  }));
  log.info(`Assumed ${assumed.session.assumedRoleArn}; the credentials expire at ${assumed.session.expiration.toISOString()}.`);
  if (preset) reportRun(preset, settings, assumed, io.env, log);
  if (renewal) {
    const profile = settings.awsProfile ?? DEFAULT_PROFILE;
    const setup: RefreshSetup = { dir: homeRefreshDir(homedir(), profile), profile, files: profileFiles(io.env) };
    // Nobody else may write where the renewal folder goes, or they could swap its files.
    ownFolder(claimcheckFolder(homedir()));
    installRefresh(setup, { self, inputs: pinnedInputs(inputs, settings), token: renewal, session: assumed.session, region: settings.region });
    log.info(`Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials. Select it with AWS_PROFILE=${profile}.`);
    const handover = profileHandover(profile, settings.region, setIn(io.env));
    io.stdout(handoverShellLines(handover));
    const cleared = clearedNote(handover.clear, 'unset');
    if (cleared) log.info(cleared);
    return;
  }
  handOver(settings, assumed, format, io, log);
}

function handOver(settings: Settings, assumed: Assumed, format: OutputFormat, io: CliIo, log: Log): void {
  const credentials: IssuedCredentials = { ...assumed.session, region: settings.region };
  const isSet = setIn(io.env);
  if (settings.export === 'profile') {
    const name = settings.awsProfile ?? DEFAULT_PROFILE;
    const files = profileFiles(io.env);
    writeProfile(files, name, assumed.session, settings.region);
    log.info(`Wrote profile ${name} to ${files.credentials} and ${files.config}.`);
    const shadowed = shadowedProfileNote(name, keysShadowingProfile(isSet));
    if (shadowed) log.info(shadowed);
    return;
  }
  if (format === 'env') io.stdout(shellExports(credentials, isSet));
  else if (format === 'json') io.stdout(credentialsJson(credentials));
  else if (format === 'credential-process') io.stdout(credentialProcessJson(credentials));
  else if (format === 'github') {
    for (const secret of [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]) io.stdout(`::add-mask::${secret}\n`);
    appendToEnvFile('GITHUB_ENV', requiredFile(io.env, 'GITHUB_ENV'), githubEnvEntries(credentials));
    log.info('Exported the credentials to $GITHUB_ENV for the steps that follow.');
    if (isSet('AWS_PROFILE')) log.warning(STALE_PROFILE_ON_GITHUB);
  } else {
    appendToEnvFile('BASH_ENV', requiredFile(io.env, 'BASH_ENV'), shellExports(credentials, isSet));
    log.info('Exported the credentials to $BASH_ENV for the steps that follow.');
  }
  if (format === 'env' || format === 'circleci') {
    const cleared = clearedNote(credentialHandover(credentials, settings.region, isSet).clear, 'unset');
    if (cleared) log.info(cleared);
  }
}

function requiredFile(env: CliIo['env'], name: string): string {
  const path = env[name];
  if (!path) throw new UsageError(`--format ${name === 'GITHUB_ENV' ? 'github' : 'circleci'} needs $${name}, which is not set`);
  return path;
}
