// What a successful run tells people: a step summary read at a glance, and the same facts
// as one JSON audit line. Neither ever holds the token or a credential, and every value in
// them (claims above all) is inert for its reader: see inert-text.ts.
import type { FailureReport, FailureRule } from './failure-report.js';
import { inertJson, inertLine, markdownCode } from '../text/inert-text.js';

export interface RunReport {
  readonly version: string;
  /** Facts about the job from its verified claims, in display order: [label, value]. */
  readonly job: ReadonlyArray<readonly [string, string]>;
  readonly issuer: string;
  readonly subject: string;
  readonly roleArn: string;
  /** The role map entry that chose the role, if a map did. */
  readonly roleEntry: string | undefined;
  /** Roles assumed after roleArn by role chaining, in order; the last one's credentials were handed over. */
  readonly roleChain: readonly string[];
  readonly assumedRoleArn: string;
  readonly accountId: string;
  readonly sessionName: string;
  readonly region: string;
  readonly expiration: Date;
  /** The handed-over session's source identity (CloudTrail's sourceIdentity), when it has one. */
  readonly sourceIdentity?: string | undefined;
  /** Each STS call that made a session, in order, with STS's request ID (CloudTrail's requestID) when it gave one. */
  readonly stsRequests?: ReadonlyArray<{ readonly role: string; readonly requestId: string | undefined }>;
  /** Each rule, and whether AWS could enforce it (on `key`) or only claimcheck checks it. */
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly held: boolean; readonly binds: 'aws' | 'claimcheck'; readonly key?: string }>;
}

const BINDS = { aws: 'AWS can enforce', claimcheck: 'claimcheck only' } as const;

/** A value in a summary table cell: a code span, so GitHub links, mentions and renders nothing in it. */
function cell(text: string): string {
  return markdownCode(text, 'table');
}

/** A value elsewhere in the summary (heading, list, footer): a code span too. */
function code(text: string): string {
  // Stryker disable next-line StringLiteral: equivalent: markdownCode treats every place but 'table' alike
  return markdownCode(text, 'text');
}

/** The request IDs STS gave, in call order. */
function requestIds(report: RunReport): string[] {
  return report.stsRequests?.flatMap((call) => (call.requestId === undefined ? [] : [call.requestId])) ?? [];
}

/** The role's name with its path, for a heading: what follows `:role/` in its ARN. */
function roleName(arn: string): string {
  return arn.replace(/.*:role\//, '');
}

function minutesUntil(when: Date, now: number): string {
  const minutes = Math.round((when.getTime() - now) / 60_000);
  return minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`;
}

export function summaryMarkdown(report: RunReport, now: number): string {
  const rows: Array<[string, string]> = [
    ...report.job.map(([label, value]): [string, string] => [label, cell(value)]),
    ['Role', `${cell(report.roleArn)}${report.roleEntry === undefined ? '' : ` (role map entry ${cell(report.roleEntry)})`}`],
    ...(report.roleChain.length === 0 ? [] : [['Role chain', report.roleChain.map(cell).join(' → ')] as [string, string]]),
    ['Session', cell(report.sessionName)],
    ...(report.sourceIdentity === undefined ? [] : [['Source identity', cell(report.sourceIdentity)] as [string, string]]),
    ['Account', cell(report.accountId)],
    ['Region', cell(report.region)],
    ['Expires', `${report.expiration.toISOString()} (${minutesUntil(report.expiration, now)})`],
    ...(requestIds(report).length === 0 ? [] : [['STS request IDs', requestIds(report).map(cell).join(' → ')] as [string, string]]),
  ];
  const lines = [
    `### ✅ claimcheck assumed ${code(roleName(report.roleArn))}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
  ];
  if (report.rules.length > 0) {
    lines.push('', `**Claim rules** (${report.rules.length}, all held)`, '');
    lines.push(...report.rules.map((rule) => `- ${rule.held ? '✅' : '❌'} ${code(rule.rule)} — ${BINDS[rule.binds]}${rule.key === undefined ? '' : ` (${code(rule.key)})`}`));
    if (report.rules.some((rule) => rule.binds === 'claimcheck')) {
      lines.push('', "The role's trust policy is the boundary: AWS cannot check the rules marked *claimcheck only*, so a job that skips this step is not held to them.");
    }
  }
  lines.push('', `<sub>claimcheck ${code(report.version)} · token from ${code(report.issuer)} · subject ${code(report.subject)}</sub>`, '');
  return lines.join('\n');
}

/**
 * One line of JSON for every reader: no raw line or paragraph separator, control or `##[` (see
 * inertJson). JSON.stringify leaves out undefined values: a part the run did not use has no key.
 */
export function auditRecord(report: RunReport): string {
  return inertJson(JSON.stringify({
    event: 'claimcheck.assume-role',
    version: report.version,
    issuer: report.issuer,
    subject: report.subject,
    job: Object.fromEntries(report.job),
    role: report.roleArn,
    role_map_entry: report.roleEntry,
    ...(report.roleChain.length === 0 ? {} : { role_chain: report.roleChain }),
    assumed_role: report.assumedRoleArn,
    account: report.accountId,
    session: report.sessionName,
    source_identity: report.sourceIdentity,
    region: report.region,
    expiration: report.expiration.toISOString(),
    sts_requests: report.stsRequests?.map((call) => ({ role: call.role, request_id: call.requestId })),
    rules: report.rules,
  }));
}

/** The summary as plain log lines, for platforms without a step summary. */
export function summaryText(report: RunReport, now: number): string {
  const rows: Array<readonly [string, string]> = [
    ...report.job,
    ['Role', report.roleEntry === undefined ? report.roleArn : `${report.roleArn} (role map entry ${report.roleEntry})`],
    ...(report.roleChain.length === 0 ? [] : [['Role chain', report.roleChain.join(' -> ')] as const]),
    ['Session', report.sessionName],
    ...(report.sourceIdentity === undefined ? [] : [['Source identity', report.sourceIdentity] as const]),
    ['Account', report.accountId],
    ['Region', report.region],
    ['Expires', `${report.expiration.toISOString()} (${minutesUntil(report.expiration, now)})`],
    ...(requestIds(report).length === 0 ? [] : [['STS request IDs', requestIds(report).join(' -> ')] as const]),
    ...report.rules.map((rule): readonly [string, string] => ['Rule held', `${rule.rule} (${BINDS[rule.binds]})`]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${`${label}:`.padEnd(width + 1)} ${inertLine(value)}`).join('\n');
}

// A failed run: what it knew when it failed (failure-report.ts), as a step summary and as log lines.

/** What a rule failed on, in short: the claim's value as presented, or its absence. */
function presentedText(rule: FailureRule): string {
  return rule.presented === undefined ? `the token has no ${rule.claim} claim` : `${rule.claim} is ${JSON.stringify(rule.presented)}`;
}

function ruleTally(rules: readonly FailureRule[]): string {
  // Stryker disable next-line MethodExpression: equivalent: a report's rules are all checked (a token was verified) or none is
  if (rules.some((rule) => rule.held === undefined)) return `${rules.length}, not checked: no token was verified`;
  const failed = rules.filter((rule) => rule.held === false).length;
  return failed === 0 ? `${rules.length}, all held` : `${rules.length - failed} held, ${failed} failed`;
}

function failureHeading(report: FailureReport): string {
  return report.roleArn === undefined ? 'claimcheck failed' : `claimcheck did not assume ${code(roleName(report.roleArn))}`;
}

/**
 * The step summary of a failed run. Everything that can hold text from the job or a server
 * (the message and hint quote claims and AWS) is a code span, so nothing in it links,
 * mentions or renders; the one link is to claimcheck's own TROUBLESHOOTING page.
 */
export function failureMarkdown(report: FailureReport): string {
  const lines = [`### ❌ ${failureHeading(report)}`, '', `**${code(report.code)}** ${code(report.message)}`, '', `**Hint:** ${code(report.hint)}`];
  if (report.nextStep) {
    lines.push('', `**Next step:** ${report.nextStep.text}`);
    if (report.nextStep.command) lines.push('', `${code(report.nextStep.command)}`);
  }
  if (report.claims === undefined) lines.push('', 'No claims to show: no token was verified.');
  else if (report.claims.length > 0) {
    lines.push('', "**Claims presented** (the verified token's; the token itself is never shown)", '', '| Claim | Value |', '| --- | --- |');
    lines.push(...report.claims.map(([name, value]) => `| ${cell(name)} | ${cell(value)} |`));
  }
  if (report.rules.length > 0) {
    lines.push('', `**Claim rules** (${ruleTally(report.rules)})`, '');
    lines.push(...report.rules.map((rule) => {
      if (rule.held === undefined) return `- ⏸️ ${code(rule.rule)}`;
      return rule.held ? `- ✅ ${code(rule.rule)}` : `- ❌ ${code(rule.rule)} — ${code(presentedText(rule))}`;
    }));
  }
  const section = `TROUBLESHOOTING.md#${report.troubleshooting.anchor}`;
  lines.push('', report.troubleshooting.url === undefined ? `Troubleshooting: ${code(`docs/${section}`)} in claimcheck's repository.` : `Troubleshooting: [${report.code}](${report.troubleshooting.url}#${report.troubleshooting.anchor})`);
  lines.push('', `<sub>claimcheck ${code(report.version)}${report.issuer === undefined ? '' : ` · token from ${code(report.issuer)}`}</sub>`, '');
  return lines.join('\n');
}

/**
 * The same facts as plain log lines, for platforms without a step summary. The error and
 * its hint are not repeated: the caller prints them as the run's last two lines.
 */
export function failureText(report: FailureReport): string {
  const lines = [`${report.roleArn === undefined ? 'claimcheck failed' : `claimcheck did not assume ${report.roleArn}`} (${report.code}).`];
  if (report.claims === undefined) lines.push('  No claims to show: no token was verified.');
  else if (report.claims.length > 0) {
    const width = Math.max(...report.claims.map(([name]) => name.length)) + 1;
    lines.push("  Claims presented (the verified token's):", ...report.claims.map(([name, value]) => `    ${`${name}:`.padEnd(width)} ${value}`));
  }
  if (report.rules.length > 0) {
    lines.push(`  Claim rules (${ruleTally(report.rules)}):`);
    lines.push(...report.rules.map((rule) => (rule.held === undefined ? `    not checked: ${rule.rule}` : rule.held ? `    held:   ${rule.rule}` : `    failed: ${rule.rule} (${presentedText(rule)})`)));
  }
  if (report.nextStep) lines.push(`  Next step: ${report.nextStep.text}`, ...(report.nextStep.command ? [`    ${report.nextStep.command}`] : []));
  lines.push(`  Troubleshooting: ${report.troubleshooting.url ?? 'docs/TROUBLESHOOTING.md'}#${report.troubleshooting.anchor} (claimcheck ${report.version})`);
  return lines.map(inertLine).join('\n');
}
