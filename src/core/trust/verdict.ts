// What every trust check answers, whatever the cloud: OK, FAIL or CANNOT VERIFY, with its exit
// code (0, 1, 3), how findings make it, and the line that closes a report.

export type Verdict = 'ok' | 'fail' | 'cannot-verify';

export const EXIT_CODES: Readonly<Record<Verdict, number>> = { ok: 0, fail: 1, 'cannot-verify': 3 };

const VERDICT_WORDS: Readonly<Record<Verdict, string>> = { ok: 'OK', fail: 'FAIL', 'cannot-verify': 'CANNOT VERIFY' };

/** FAIL when a finding is of a failing kind; else CANNOT VERIFY when one is undecided or unreadable; else OK. */
export function verdictFrom<Kind extends string>(findings: ReadonlyArray<{ readonly kind: Kind }>, failing: ReadonlySet<Kind>): Verdict {
  if (findings.some((finding) => failing.has(finding.kind))) return 'fail';
  if (findings.some((finding) => finding.kind === 'undecided' || finding.kind === 'unreadable')) return 'cannot-verify';
  return 'ok';
}

/** The last line of a report: the verdict, what it promises, and its exit code. */
export function verdictLine(verdict: Verdict, promises: Readonly<Record<Verdict, string>>): string {
  return `${VERDICT_WORDS[verdict]}: ${promises[verdict]} (exit ${EXIT_CODES[verdict]}).`;
}
