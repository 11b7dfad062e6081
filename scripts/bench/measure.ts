// How the bench measures a process: from spawn to exit, with its CPU time and peak RSS, the
// moment its first request reached a loopback service, and the machine's load at that time.
// The harness starts processes with child_process.spawn and services with http.createServer;
// both are wrapped here (syncBuiltinESMExports makes the harness's imports see the wrappers),
// so timing counts the process alone, not the harness's set-up around it.
import childProcess from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { loadavg } from 'node:os';

export const GNU_TIME = '/usr/bin/time';

/** One measured run. cpuMs and rssKb come from GNU time (10 ms resolution for CPU); undefined without it. */
export interface Sample {
  readonly ms: number;
  readonly cpuMs: number | undefined;
  readonly rssKb: number | undefined;
  /** From spawn to the first request any loopback service received; undefined when it sent none. */
  readonly firstRequestMs: number | undefined;
  /** The 1-minute load average when the run ended. */
  readonly load: number;
}

interface Probe {
  /** Where GNU time writes the usage of the process being measured; undefined: not measuring. */
  usageFile: string | undefined;
  startedAt: number;
  endedAt: number;
  firstRequestAt: number | undefined;
}

const probe: Probe = { usageFile: undefined, startedAt: Number.NaN, endedAt: Number.NaN, firstRequestAt: undefined };

/** Wraps spawn (timing, GNU time in front of the measured process) and createServer (first request). */
export function installProbes(): void {
  const spawn = childProcess.spawn;
  const probed = (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    const usageFile = probe.usageFile;
    const wrapped = usageFile !== undefined && existsSync(GNU_TIME);
    probe.startedAt = performance.now();
    probe.firstRequestAt = undefined;
    const child = spawn(wrapped ? GNU_TIME : command, wrapped ? ['-f', '%U %S %M', '-o', usageFile, command, ...args] : args, options);
    child.once('exit', () => (probe.endedAt = performance.now()));
    return child;
  };
  const createServer = http.createServer;
  const tapped = (...args: unknown[]) => {
    const server = (createServer as (...a: unknown[]) => http.Server)(...args);
    server.prependListener('request', (() => {
      probe.firstRequestAt ??= performance.now();
    }) as RequestListener<typeof IncomingMessage, typeof ServerResponse>);
    return server;
  };
  Object.defineProperty(childProcess, 'spawn', { value: probed, configurable: true, writable: true });
  Object.defineProperty(http, 'createServer', { value: tapped, configurable: true, writable: true });
  syncBuiltinESMExports();
}

/** GNU time's `%U %S %M`: user and system seconds, peak RSS in KiB. */
function usage(file: string): { cpuMs: number; rssKb: number } | undefined {
  if (!existsSync(file)) return undefined;
  const [user, system, rss] = readFileSync(file, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  rmSync(file, { force: true });
  if (user === undefined || system === undefined || rss === undefined || [user, system, rss].some(Number.isNaN)) return undefined;
  return { cpuMs: (user + system) * 1000, rssKb: rss };
}

/**
 * Runs `once` (which starts exactly one measured process, and possibly unmeasured ones before
 * it) and returns the last spawned process's figures.
 */
export async function sample(once: () => Promise<void>, usageFile: string): Promise<Sample> {
  probe.usageFile = usageFile;
  try {
    await once();
  } finally {
    probe.usageFile = undefined;
  }
  const used = usage(usageFile);
  const first = probe.firstRequestAt;
  return {
    ms: probe.endedAt - probe.startedAt,
    cpuMs: used?.cpuMs,
    rssKb: used?.rssKb,
    firstRequestMs: first === undefined || first > probe.endedAt ? undefined : first - probe.startedAt,
    load: loadavg()[0] as number,
  };
}

// --- statistics ----------------------------------------------------------------------------
export interface Stats {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2 : (sorted[Math.floor(middle)] as number);
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), p90: percentile(sorted, 90), min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

export const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The values that are defined, or undefined when none is. */
export function defined(values: ReadonlyArray<number | undefined>): number[] | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : known;
}
