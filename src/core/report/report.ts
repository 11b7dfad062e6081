// What a successful run tells people: a step summary read at a glance, and the same facts
// as one JSON audit line. Neither ever holds the token or a credential, and every value in
// them (claims above all) is inert for its reader: see inert-text.ts.
import type { FailureReport, FailureRule } from './failure-report.js';
import { inertJson, inertLine, markdownCode } from '../text/inert-text.js';

/** One row of a cloud's part of the summary. */
export type FactRow =
  /** Values from the run (untrusted): code spans in Markdown, joined by arrows when several; an aside names one more. */
  | { readonly label: string; readonly values: readonly string[]; readonly aside?: { readonly text: string; readonly value: string } }
  /** When the credentials expire, and how long from now. */
  | { readonly label: string; readonly at: Date };

/** What one cloud's session adds to the report: summary rows, and its part of the audit line. */
export interface CloudFacts {
  /** The cloud's short name (aws), as the audit line names it. */
  readonly cloud: string;
  /** The cloud's name for people (AWS). */
  readonly title: string;
  /** The summary heading's part: what claimcheck did, and to what (a role's name). */
  readonly headline: { readonly verb: string; readonly name: string };
  /** What binds the jobs of this cloud ("The role's trust policy"). */
  readonly boundary: string;
  readonly rows: readonly FactRow[];
  /** This cloud's part of the audit line; undefined values leave their key out. */
  readonly audit: Readonly<Record<string, unknown>>;
}

export interface RuleReport {
  readonly rule: string;
  readonly held: boolean;
  /** The clouds that can enforce the rule, and on which key; none: only claimcheck checks it. */
  readonly binds: ReadonlyArray<{ readonly cloud: string; readonly key?: string | undefined }>;
}

export interface RunReport {
  readonly version: string;
  /** Facts about the job from its verified claims, in display order: [label, value]. */
  readonly job: ReadonlyArray<readonly [string, string]>;
  readonly issuer: string;
  readonly subject: string;
  /** Each cloud's session, in the order they were made. */
  readonly clouds: readonly CloudFacts[];
  readonly rules: readonly RuleReport[];
}

/** A value in a summary table cell: a code span, so GitHub links, mentions and renders nothing in it. */
function cell(text: string): string {
  return markdownCode(text, 'table');
}

/** A value elsewhere in the summary (heading, list, footer): a code span too. */
function code(text: string): string {
  // Stryker disable next-line StringLiteral: equivalent: markdownCode treats every place but 'table' alike
  return markdownCode(text, 'text');
}

/** The role's name with its path, for a heading: what follows `:role/` in its ARN. */
export function roleName(arn: string): string {
  return arn.replace(/.*:role\//, '');
}

function minutesUntil(when: Date, now: number): string {
  const minutes = Math.round((when.getTime() - now) / 60_000);
  return minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`;
}

/** A row's value: in Markdown (`show` = cell) or as text (`show` = as is), with the arrow to join several. */
function rowValue(row: FactRow, now: number, show: (text: string) => string, arrow: string): string {
  if ('at' in row) return `${row.at.toISOString()} (${minutesUntil(row.at, now)})`;
  const values = row.values.map(show).join(arrow);
  return row.aside === undefined ? values : `${values} (${row.aside.text} ${show(row.aside.value)})`;
}

/** Every cloud's rows; with several clouds, each cloud's rows follow a row naming it. */
function cloudRows(report: RunReport, now: number, show: (text: string) => string, arrow: string, title: (text: string) => string): Array<[string, string]> {
  return report.clouds.flatMap((cloud) => [
    ...(report.clouds.length > 1 ? [[title(cloud.title), ''] as [string, string]] : []),
    ...cloud.rows.map((row): [string, string] => [row.label, rowValue(row, now, show, arrow)]),
  ]);
}

/** A list of names for a sentence: `A`, `A and B`, `A, B and C`. */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Where a rule binds, for people: "AWS can enforce (`key`)" (keys only where `showKey` is given), or claimcheck only. */
function bindsText(report: RunReport, rule: RuleReport, showKey?: (key: string) => string): string {
  if (rule.binds.length === 0) return 'claimcheck only';
  const title = (cloud: string) => report.clouds.find((facts) => facts.cloud === cloud)?.title ?? cloud;
  return rule.binds.map((bind) => `${title(bind.cloud)} can enforce${bind.key === undefined || showKey === undefined ? '' : ` (${showKey(bind.key)})`}`).join('; ');
}

/** The note under the rules when some bind only claimcheck: each cloud's boundary does not hold jobs to them. */
function boundaryNote(report: RunReport): string {
  const clouds = report.clouds;
  const boundaries = listed(clouds.map((cloud) => cloud.boundary));
  const verb = clouds.length > 1 ? 'are the boundaries' : 'is the boundary';
  return `${boundaries} ${verb}: ${listed(clouds.map((cloud) => cloud.title))} cannot check the rules marked *claimcheck only*, so a job that skips this step is not held to them.`;
}

function headline(report: RunReport): string {
  return report.clouds.map((cloud) => `${cloud.headline.verb} ${code(cloud.headline.name)}`).join(', ');
}

export function summaryMarkdown(report: RunReport, now: number): string {
  const rows: Array<[string, string]> = [
    ...report.job.map(([label, value]): [string, string] => [label, cell(value)]),
    ...cloudRows(report, now, cell, ' → ', (title) => `**${title}**`),
  ];
  const lines = [
    `### ✅ claimcheck ${headline(report)}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
  ];
  if (report.rules.length > 0) {
    lines.push('', `**Claim rules** (${report.rules.length}, all held)`, '');
    lines.push(...report.rules.map((rule) => `- ${rule.held ? '✅' : '❌'} ${code(rule.rule)} — ${bindsText(report, rule, code)}`));
    if (report.rules.some((rule) => rule.binds.length === 0)) lines.push('', boundaryNote(report));
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
    event: 'claimcheck.credentials',
    version: report.version,
    issuer: report.issuer,
    subject: report.subject,
    job: Object.fromEntries(report.job),
    clouds: report.clouds.map((cloud) => ({ cloud: cloud.cloud, ...cloud.audit })),
    rules: report.rules,
  }));
}

/** The summary as plain log lines, for platforms without a step summary. */
export function summaryText(report: RunReport, now: number): string {
  const rows: Array<readonly [string, string]> = [
    ...report.job,
    ...cloudRows(report, now, (text) => text, ' -> ', (title) => `[${title}]`),
    ...report.rules.map((rule): readonly [string, string] => ['Rule held', `${rule.rule} (${bindsText(report, rule)})`]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => (value === '' ? `  ${label}:` : `  ${`${label}:`.padEnd(width + 1)} ${inertLine(value)}`)).join('\n');
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
