// The CLI speaks in flags: the shared core names the Action's inputs ("Input aws-region",
// `Add "aws-region:" to the step's inputs`), which the CLI takes as flags of the same name.
// Errors are reworded at the CLI's door, and an issuer hint written for GitHub gives way to the
// platform's own when --platform says which CI this is. Loaded only when a command failed.
import { INPUTS } from '../core/config/inputs.generated.js';
import { ClaimcheckError } from '../core/errors.js';
import { GENERIC_ISSUER_HINT } from '../oidc/verify.js';
import { isPresetName, PRESETS, type Preset } from '../platform/presets.js';

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

/** A failed command's error as the CLI says it, for the --platform its arguments name. */
export function cliError(error: ClaimcheckError, argv: readonly string[]): ClaimcheckError {
  const platform = platformArgument(argv);
  return inCliTerms(error, platform !== undefined && isPresetName(platform) ? PRESETS[platform] : undefined);
}
