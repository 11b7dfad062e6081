// `claimcheck audit FILE`: every role of an account that trusts an OIDC provider, and whether
// its trust policy pins the issuer's repositories or projects (src/core/trust/aws/check/audit.ts).
// With --rules-file, each role its role map names is also checked against its entry's rules,
// as `trust-policy --check` would. Text by default, a JSON array with --format json; exit 1
// when a role is open or a check fails, 3 when something cannot be verified, else 0.
import { AWS_AUDIENCE } from '../../core/aws/settings.js';
import { ClaimcheckError } from '../../core/errors.js';
import type { Platform, RoleEntry } from '../../core/rules/rules-file.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import { inertJsonDocument, inertLine, inertLines } from '../../core/text/inert-text.js';
import { readAccountRoles, type AccountRole } from '../../core/trust/aws/check/account-roles.js';
import { auditRole, type AuditEntry } from '../../core/trust/aws/check/audit.js';
import { checkPolicy } from '../../core/trust/aws/check/check.js';
import { checkReport, EXIT_CODES } from '../../core/trust/aws/check/check-report.js';
import { issuerKeys } from '../../core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../core/trust/aws/iam/policy.js';
import { readRegular } from '../../files/regular-file.js';
import { parseFlags, UsageError, type Flags } from '../args.js';
import type { CliIo } from '../io.js';
import { readCliRules } from '../rules-input.js';

export const AUDIT_FLAGS: Flags = {
  format: { kind: 'string', value: 'text|json', description: 'One line per role (default), or a JSON array of { role, issuer, verdict, reasons }.' },
  'rules-file': { kind: 'string', value: 'path', description: 'Also check each role its role map names against that entry\'s rules (as trust-policy --check).' },
  audience: { kind: 'string', value: 'aud', description: 'The audience for --rules-file checks (default sts.amazonaws.com).' },
};

export const AUDIT_USAGE = 'claimcheck audit <account.json: aws iam get-account-authorization-details or aws iam list-roles output> [--format text|json] [--rules-file <path>]';

/** Large accounts' authorization details run to tens of megabytes; more is not such a file. */
const MAX_ACCOUNT_BYTES = 64 * 1024 * 1024;

interface Checked {
  readonly verdict: string;
  readonly findings: readonly string[];
}

type Row = AuditEntry & { check?: Checked };

function entryFor(role: AccountRole, roles: readonly RoleEntry[]): RoleEntry | undefined {
  return roles.find((entry) => (role.arn !== undefined && entry.roleArn.arn === role.arn) || entry.roleArn.name === role.name);
}

interface CheckBase {
  readonly rules: readonly ClaimRule[];
  readonly audience: string;
  readonly platform: Platform | undefined;
}

function checkRow(row: AuditEntry, role: AccountRole, entry: RoleEntry, base: CheckBase): Row {
  const keys = issuerKeys(row.issuer);
  const rules = [...base.rules, ...entry.rules];
  const result = checkPolicy({ policy: readPolicyDocument(role.document), rules, issuer: row.issuer, keys, audience: base.audience, platform: base.platform });
  return { ...row, check: { verdict: result.verdict, findings: checkReport(result, rules, keys.prefix) } };
}

const ORDER: readonly string[] = ['open', 'cannot-verify', 'names-only', 'pinned'];

function exitCode(rows: readonly Row[]): number {
  if (rows.some((row) => row.verdict === 'open' || row.check?.verdict === 'fail')) return 1;
  if (rows.some((row) => row.verdict === 'cannot-verify' || row.check?.verdict === 'cannot-verify')) return EXIT_CODES['cannot-verify'];
  return 0;
}

function textReport(rows: readonly Row[], skipped: number): string {
  const width = Math.min(40, Math.max(4, ...rows.map((row) => row.role.length)) + 2);
  const lines = rows.flatMap((row) => [
    `${row.verdict.padEnd(15)}${row.role.padEnd(width)}${row.issuer.replace(/^https:\/\//, '')}`,
    ...row.reasons.map((reason) => `    ${reason}`),
    ...(row.check ? [`    check against its role map entry: ${row.check.verdict.toUpperCase()}`, ...row.check.findings.map((line) => `      ${line}`)] : []),
  ]);
  const count = (verdict: string) => rows.filter((row) => row.verdict === verdict).length;
  const roles = new Set(rows.map((row) => row.role)).size;
  lines.push(`${roles} role${roles === 1 ? '' : 's'} trust an OIDC provider: ${count('open')} open, ${count('names-only')} names-only, ${count('pinned')} pinned, ${count('cannot-verify')} cannot-verify; ${skipped} skipped (no OIDC provider).`);
  return `${inertLines(lines.join('\n'))}\n`;
}

/** The one argument that is not a flag (nor a flag's value): the account file. */
function splitArguments(argv: readonly string[]): { path: string; rest: string[] } {
  const rest: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) paths.push(arg);
    else {
      rest.push(arg);
      if (!arg.includes('=') && AUDIT_FLAGS[arg.slice(2)]?.kind === 'string' && argv[i + 1] !== undefined) rest.push(argv[++i] as string);
    }
  }
  if (paths.length !== 1) throw new UsageError('give one file: the output of aws iam get-account-authorization-details or aws iam list-roles');
  return { path: paths[0] as string, rest };
}

export async function auditCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { path, rest } = splitArguments(argv);
  const flags = parseFlags(rest, AUDIT_FLAGS);
  const format = flags.strings.get('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  const fail = (why: string) => new ClaimcheckError('INPUT_INVALID', `The account file ${path}: ${why}.`, 'Pass the output of aws iam get-account-authorization-details --filter Role, or of aws iam list-roles.');
  const bytes = readRegular(path, { refuse: (_, why) => fail(why), maxBytes: MAX_ACCOUNT_BYTES, tooLarge: `it is larger than ${MAX_ACCOUNT_BYTES} bytes` });
  if (bytes === undefined) throw fail('it cannot be read (ENOENT)');
  const roles = readAccountRoles(bytes.toString('utf8'), path);
  const { rules, document } = flags.strings.has('rules-file') ? await readCliRules(flags) : { rules: [], document: undefined };
  const audience = flags.strings.get('audience') ?? AWS_AUDIENCE;
  const rows: Row[] = [];
  let skipped = 0;
  for (const role of roles) {
    const entries = auditRole(role);
    if (entries.length === 0) skipped++;
    const entry = document ? entryFor(role, document.roles) : undefined;
    for (const row of entries) rows.push(entry && row.issuer !== '' && role.problem === undefined ? checkRow(row, role, entry, { rules, audience, platform: document?.platform }) : row);
  }
  rows.sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict) || a.role.localeCompare(b.role));
  if (format === 'json') io.stdout(`${inertJsonDocument(rows.map(({ role, issuer, verdict, reasons, check }) => ({ role, issuer, verdict, reasons, ...(check ? { check } : {}) })))}\n`);
  else io.stdout(textReport(rows, skipped));
  if (format === 'json') io.stderr(`${inertLine(`${skipped} role${skipped === 1 ? '' : 's'} skipped (no OIDC provider).`)}\n`);
  return exitCode(rows);
}
