// `claimcheck trust-policy --cloud azure --check CREDENTIALS.json`: whether an app's (or a
// managed identity's) federated credentials admit a token the issuer could issue and the rules
// refuse (src/core/trust/azure/check). Exit 0 OK, 1 FAIL, 3 cannot verify, as for AWS. The
// report goes to standard output, inert: no control, bidi or zero-width character from the
// credentials or the rules reaches the terminal raw.
import { ClaimcheckError } from '../../core/errors.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import type { Platform } from '../../core/rules/rules-file.js';
import { inertLines } from '../../core/text/inert-text.js';
import { checkCredentials } from '../../core/trust/azure/check/check.js';
import { azureCheckReport, EXIT_CODES } from '../../core/trust/azure/check/check-report.js';
import { explainCredentials, explainedLines, type Answer } from '../../core/trust/azure/check/explain.js';
import { parseLiveCredentials, type LiveCredentials } from '../../core/trust/azure/check/live-credentials.js';
import type { GrammarPlatform } from '../../core/trust/grammar/choose.js';
import { readRegular } from '../../files/regular-file.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';

/** Twenty credentials with long expressions fit many times over. */
const MAX_CREDENTIALS_BYTES = 256 * 1024;

/** A credentials file: a regular file (never a link, FIFO or device, never blocking), capped in size. */
export function readCredentialsFile(path: string): LiveCredentials {
  const fail = (why: string) => new ClaimcheckError('INPUT_INVALID', `The federated credentials ${path}: ${why}.`, 'Pass a JSON file: the output of az ad app federated-credential list --id <app> (or az identity federated-credential list).');
  const bytes = readRegular(path, { refuse: (_, why) => fail(why), maxBytes: MAX_CREDENTIALS_BYTES, tooLarge: `it is larger than ${MAX_CREDENTIALS_BYTES} bytes` });
  if (bytes === undefined) throw fail('it cannot be read (ENOENT)');
  return parseLiveCredentials(bytes.toString('utf8'), path);
}

/** The issuer the rules are for: the one given (or the platform's), else the credentials' one issuer. */
function checkedIssuer(given: string | undefined, credentials: LiveCredentials): string {
  if (given !== undefined) return given;
  const issuers = [...new Set(credentials.credentials.map((credential) => credential.issuer))];
  if (issuers.length === 1) return issuers[0] as string;
  throw new UsageError(issuers.length === 0 ? 'the credentials list is empty: give --issuer for the rules' : `the credentials trust several issuers (${issuers.join(', ')}): give --issuer (or --platform) for the one the rules are for`);
}

export interface AzureCheckRequest {
  readonly path: string;
  readonly rules: readonly ClaimRule[];
  /** --issuer, or the platform's issuer; undefined: the credentials' one issuer. */
  readonly issuer: string | undefined;
  readonly audience: string;
  readonly platform: Platform | undefined;
}

export function azureCheckCommand(flags: ParsedFlags, io: CliIo, request: AzureCheckRequest): number {
  const credentials = readCredentialsFile(request.path);
  const issuer = checkedIssuer(request.issuer, credentials);
  const result = checkCredentials({ credentials, rules: request.rules, issuer, audience: request.audience, platform: request.platform as GrammarPlatform | undefined, allowUnpinned: flags.booleans.has('allow-unpinned') });
  const header = `Checked ${request.path} (${credentials.credentials.length} federated credential(s)) against the rules (issuer ${issuer}, audience ${request.audience}; ${result.grammar.platform} tokens as the issuer builds them).`;
  io.stdout(`${inertLines([header, ...azureCheckReport(result, request.rules, issuer, request.audience)].join('\n'))}\n`);
  return EXIT_CODES[result.verdict];
}

/** explain --azure-credentials: the token against the file's credentials, and whether Entra and the rules agree. */
export function azureCredentialLines(path: string, claims: Readonly<Record<string, unknown>>, rulesHold: boolean | undefined): { answer: Answer; lines: string[] } {
  const credentials = readCredentialsFile(path);
  const explained = explainCredentials(credentials, claims);
  return { answer: explained.answer, lines: [`Federated credentials ${path} (${credentials.credentials.length}), as Entra matches them`, ...explainedLines(explained, credentials.problems, rulesHold)] };
}
