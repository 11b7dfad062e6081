// What the bench prints: per latency, a table of every case (median, p90, min, max, CPU time,
// the first request's moment, peak RSS, the load average while it ran), how noisy the runs
// were, and each target of issue 22 as met or missed, by how much.
import type { Case, CaseKind } from './cases.ts';
import { defined, mean, median, stats, type Sample, type Stats } from './measure.ts';

/** The targets (issue 22), on a machine like the one the figures in docs/reliability.md come from. */
export const TARGETS = {
  /** claimcheck main step's time above the floor, as a fraction of configure-aws-credentials'. */
  referenceRatio: 0.5,
  /** Allowance over the floor and the round trips, in ms, unless a case sets its own. */
  allowanceMs: 120,
  /** Peak RSS of any claimcheck process, MiB. */
  rssMiB: 65,
} as const;

export interface CaseResult {
  readonly id: string;
  readonly label: string;
  readonly kind: CaseKind;
  readonly floorId: string | undefined;
  readonly runtime: string;
  readonly samplesMs: number[];
  readonly ms: Stats;
  /** Median above the floor's median; null for floors. */
  readonly overFloorMs: number | null;
  readonly floorMs: number | null;
  readonly cpuMeanMs: number | null;
  readonly firstRequestMs: number | null;
  readonly rssMedianKb: number | null;
  readonly rssMaxKb: number | null;
  readonly loadMean: number;
}

export interface Verdict {
  readonly target: string;
  readonly met: boolean;
  /** How far from the target: ms to spare (met) or over (missed), or MiB for memory. */
  readonly margin: number;
  readonly unit: 'ms' | 'MiB';
  readonly detail: string;
}

export interface LatencyResult {
  readonly latencyMs: number;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
  readonly cases: CaseResult[];
  readonly verdicts: Verdict[];
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const orNull = (values: number[] | undefined, reduce: (values: number[]) => number) => (values === undefined ? null : round1(reduce(values)));

export function summarize(cases: readonly Case[], samples: ReadonlyMap<string, readonly Sample[]>): CaseResult[] {
  const medians = new Map(cases.map((c) => [c.id, median((samples.get(c.id) ?? []).map((s) => s.ms))]));
  return cases.map((c) => {
    const own = samples.get(c.id) ?? [];
    const ms = stats(own.map((s) => s.ms));
    const floorMs = c.floorId === undefined ? undefined : medians.get(c.floorId);
    const rss = defined(own.map((s) => s.rssKb));
    return {
      id: c.id,
      label: c.label,
      kind: c.kind,
      floorId: c.floorId,
      runtime: c.runtime.name,
      samplesMs: own.map((s) => round1(s.ms)),
      ms: { median: round1(ms.median), p90: round1(ms.p90), min: round1(ms.min), max: round1(ms.max) },
      overFloorMs: floorMs === undefined ? null : round1(ms.median - floorMs),
      floorMs: floorMs === undefined ? null : round1(floorMs),
      cpuMeanMs: orNull(defined(own.map((s) => s.cpuMs)), mean),
      firstRequestMs: orNull(defined(own.map((s) => s.firstRequestMs)), median),
      rssMedianKb: rss === undefined ? null : median(rss),
      rssMaxKb: rss === undefined ? null : Math.max(...rss),
      loadMean: Math.round(mean(own.map((s) => s.load)) * 100) / 100,
    };
  });
}

const verdictText = (met: boolean, margin: number, unit: string) => (met ? `met (${margin.toFixed(1)} ${unit} to spare)` : `NOT MET (${Math.abs(margin).toFixed(1)} ${unit} over)`);

/** Each case's time budget: floor + round trips × latency + allowance. */
function budgetVerdicts(cases: readonly Case[], results: readonly CaseResult[], latencyMs: number): Verdict[] {
  return cases.flatMap((c) => {
    const result = results.find((r) => r.id === c.id);
    if (c.roundTrips === undefined || !result || result.floorMs === null) return [];
    const allowance = c.allowanceMs ?? TARGETS.allowanceMs;
    const budget = result.floorMs + c.roundTrips * latencyMs + allowance;
    const margin = round1(budget - result.ms.median);
    const trips = c.roundTrips === 0 ? '' : ` + ${c.roundTrips} × ${latencyMs}`;
    return [{ target: `${c.label}: median ≤ floor${c.roundTrips === 0 ? '' : ' + round trips'} + ${allowance} ms`, met: margin >= 0, margin, unit: 'ms' as const, detail: `median ${result.ms.median.toFixed(1)} ms against floor ${result.floorMs.toFixed(1)}${trips} + ${allowance} = ${budget.toFixed(1)} ms` }];
  });
}

/** The same comparison in CPU time, which the neighbours' load moves far less than wall time. */
function cpuRatio(main: CaseResult, reference: CaseResult, floor: CaseResult | undefined): string {
  if (main.cpuMeanMs === null || reference.cpuMeanMs === null || floor?.cpuMeanMs == null) return '';
  const [ours, theirs] = [main.cpuMeanMs - floor.cpuMeanMs, reference.cpuMeanMs - floor.cpuMeanMs];
  return `; in CPU time above the floor's, ${ours.toFixed(0)} ms against ${theirs.toFixed(0)} ms (${(ours / theirs).toFixed(2)} ×)`;
}

/** claimcheck's AWS main step above the floor against configure-aws-credentials'. */
function referenceVerdicts(results: readonly CaseResult[]): Verdict[] {
  const reference = results.find((r) => r.kind === 'reference');
  const floor = results.find((r) => r.id === reference?.floorId);
  if (!reference || reference.overFloorMs === null) return [];
  return results.filter((r) => /^main-node24/.test(r.id) && r.overFloorMs !== null).map((main) => {
    const ours = main.overFloorMs as number;
    const theirs = reference.overFloorMs as number;
    const allowed = TARGETS.referenceRatio * theirs;
    const margin = round1(allowed - ours);
    return { target: `${main.label}: time above the floor ≤ ${TARGETS.referenceRatio} × configure-aws-credentials'`, met: margin >= 0, margin, unit: 'ms' as const, detail: `${ours.toFixed(1)} ms = ${(ours / theirs).toFixed(2)} × its ${theirs.toFixed(1)} ms (${TARGETS.referenceRatio} × would be ${allowed.toFixed(1)} ms)${cpuRatio(main, reference, floor)}` };
  });
}

function memoryVerdict(results: readonly CaseResult[]): Verdict[] {
  const ours = results.filter((r) => r.kind === 'claimcheck' && r.rssMaxKb !== null);
  if (ours.length === 0) return [];
  const worst = ours.reduce((a, b) => ((a.rssMaxKb as number) >= (b.rssMaxKb as number) ? a : b));
  const mib = (worst.rssMaxKb as number) / 1024;
  const margin = round1(TARGETS.rssMiB - mib);
  return [{ target: `peak RSS of every claimcheck process ≤ ${TARGETS.rssMiB} MiB`, met: margin >= 0, margin, unit: 'MiB', detail: `highest: ${mib.toFixed(1)} MiB (${worst.label})` }];
}

export function verdicts(cases: readonly Case[], results: readonly CaseResult[], latencyMs: number): Verdict[] {
  return [...referenceVerdicts(results), ...budgetVerdicts(cases, results, latencyMs), ...memoryVerdict(results)];
}

// --- text --------------------------------------------------------------------------------------
const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
const fixed = (value: number | null, digits = 1) => (value === null ? '–' : value.toFixed(digits));
const mib = (kb: number | null) => (kb === null ? '–' : (kb / 1024).toFixed(1));

function noiseLine(result: LatencyResult): string {
  const floor = result.cases.find((r) => r.kind === 'floor');
  const spread = floor ? ` The floor's p90 is ${fixed(floor.ms.p90)} ms against its median ${fixed(floor.ms.median)} ms and its fastest run ${fixed(floor.ms.min)} ms (${(floor.ms.p90 / floor.ms.median).toFixed(2)} × median)` : '';
  return `Load average (1, 5, 15 min): ${result.loadBefore.join(' ')} before, ${result.loadAfter.join(' ')} after.${spread}; CPU time (user + system, GNU time's 10 ms steps, averaged) moves far less with the load than wall time.`;
}

export function latencyTable(result: LatencyResult, runs: number, warmup: number): string {
  const lines = [
    `### Services ${result.latencyMs} ms away (${runs} runs of each after ${warmup} warm-up, alternating; ms from spawn to exit)`,
    '',
    noiseLine(result),
    '',
    row(['Process', 'median', 'p90', 'min', 'max', '+ floor', 'CPU (mean)', 'first request', 'peak RSS median / max (MiB)', 'load (1 min)']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const r of result.cases) {
    const label = r.runtime.startsWith('node 24.') ? r.label : `${r.label} (${r.runtime})`;
    lines.push(row([label, fixed(r.ms.median), fixed(r.ms.p90), fixed(r.ms.min), fixed(r.ms.max), fixed(r.overFloorMs), fixed(r.cpuMeanMs, 0), fixed(r.firstRequestMs), `${mib(r.rssMedianKb)} / ${mib(r.rssMaxKb)}`, r.loadMean.toFixed(2)]));
  }
  lines.push('', `Targets at ${result.latencyMs} ms:`);
  for (const verdict of result.verdicts) lines.push(`- ${verdict.target}: ${verdictText(verdict.met, verdict.margin, verdict.unit)}; ${verdict.detail}.`);
  if (result.verdicts.length === 0) lines.push('- none measured (they need the floor, and for the ratio --compare-with).');
  return lines.join('\n');
}
