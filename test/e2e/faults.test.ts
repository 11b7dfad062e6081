// The fault matrix: every service the Action talks to (GitHub's token endpoint, the issuer's
// discovery document and key set, STS) misbehaves in every way we know, once (it must
// recover) or for good (it must fail closed: a clear error, nothing exported, in bounded
// time). No scenario may hang. Each scenario runs the built Action against services of its
// own, so they run side by side; the table of outcomes is printed at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleOutput, type TokenEndpointFault } from '../harness/github.ts';
import type { IssuerFault, TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import type { StsFault } from '../harness/sts.ts';
import { runMainStep, startGithubWorld } from '../harness/world.ts';
/** Attempts per call in the matrix: retry-max-attempts. */
const ATTEMPTS = 2;
/**
 * The bound on a failing run: per call, ATTEMPTS × the 10 s per-attempt deadline plus
 * backoff (≤ 250 ms + 500 ms), and no call retries past its budget (30 s HTTP, 60 s STS).
 */
const FAIL_CLOSED_WITHIN_MS = ATTEMPTS * 10_000 + 5_000;
/** Killed as hung past this. */
const HUNG_AFTER_MS = 90_000;

type Service = 'token endpoint' | 'discovery' | 'key set' | 'STS';
type Fault = TokenEndpointFault | IssuerFault['fault'] | StsFault;

interface Scenario {
  readonly service: Service;
  readonly fault: Fault;
  /** How many requests in a row suffer it. */
  readonly times: number;
  /** The error code when it must fail closed; undefined when it must recover. */
  readonly failsWith?: string;
}

const once = (service: Service, fault: Fault): Scenario => ({ service, fault, times: 1 });
const always = (service: Service, fault: Fault, failsWith: string): Scenario => ({ service, fault, times: 10, failsWith });

const SCENARIOS: Scenario[] = [
  once('token endpoint', { kind: 'status', status: 503 }),
  once('token endpoint', { kind: 'status', status: 429 }),
  once('token endpoint', { kind: 'reset' }),
  once('token endpoint', { kind: 'hang' }),
  once('token endpoint', { kind: 'slow-body', ms: 2000 }),
  once('token endpoint', { kind: 'truncated' }),
  once('token endpoint', { kind: 'wrong-content-type' }),
  always('token endpoint', { kind: 'status', status: 500 }, 'TOKEN_REQUEST_FAILED'),
  always('token endpoint', { kind: 'hang' }, 'TOKEN_REQUEST_FAILED'),
  always('token endpoint', { kind: 'status', status: 401 }, 'TOKEN_REQUEST_FAILED'),
  always('token endpoint', { kind: 'trickle' }, 'TOKEN_REQUEST_FAILED'),
  once('discovery', { kind: 'status', status: 502 }),
  once('discovery', { kind: 'reset' }),
  once('discovery', { kind: 'truncated' }),
  once('discovery', { kind: 'wrong-content-type' }),
  always('discovery', { kind: 'status', status: 500 }, 'ISSUER_UNREACHABLE'),
  always('discovery', { kind: 'hang' }, 'ISSUER_UNREACHABLE'),
  once('key set', { kind: 'status', status: 503 }),
  once('key set', { kind: 'slow-body', ms: 2000 }),
  once('key set', { kind: 'truncated' }),
  once('key set', { kind: 'stale-keys' }),
  always('key set', { kind: 'status', status: 404 }, 'ISSUER_UNREACHABLE'),
  always('key set', { kind: 'trickle' }, 'ISSUER_UNREACHABLE'),
  once('STS', { kind: 'status', status: 500, code: 'InternalFailure' }),
  once('STS', { kind: 'status', status: 503, code: 'ServiceUnavailable' }),
  once('STS', { kind: 'throttle' }),
  once('STS', { kind: 'idp-communication' }),
  once('STS', { kind: 'reset' }),
  once('STS', { kind: 'hang' }),
  once('STS', { kind: 'slow-body', ms: 2000 }),
  once('STS', { kind: 'truncated' }),
  once('STS', { kind: 'wrong-content-type' }),
  always('STS', { kind: 'status', status: 500, code: 'InternalFailure' }, 'STS_UNAVAILABLE'),
  always('STS', { kind: 'throttle' }, 'STS_UNAVAILABLE'),
  always('STS', { kind: 'hang' }, 'STS_UNAVAILABLE'),
  always('STS', { kind: 'trickle' }, 'STS_UNAVAILABLE'),
];

interface Outcome {
  readonly scenario: string;
  readonly expected: 'recovered' | 'failed closed';
  readonly result: 'recovered' | 'failed closed' | 'hung' | 'wrong';
  readonly ms: number;
}

const outcomes: Outcome[] = [];
let issuers: TestIssuer[] = [];

function describeScenario({ service, fault, times }: Scenario): string {
  const detail = 'status' in fault && fault.kind === 'status' ? `HTTP ${fault.status}` : 'ms' in fault ? `${fault.kind} ${fault.ms} ms` : fault.kind;
  return `${service}: ${detail} ${times === 1 ? 'once' : 'every time'}`;
}

/** A world of its own: issuer, token endpoint and STS, with the scenario's faults queued. */
async function world(scenario: Scenario) {
  const { issuer, endpoint, sts } = await startGithubWorld({ trustedSubject: 'repo:acme/api:*' });
  issuers.push(issuer);
  const faults = Array.from({ length: scenario.times }, () => scenario.fault);
  if (scenario.service === 'token endpoint') endpoint.faults.push(...(faults as TokenEndpointFault[]));
  if (scenario.service === 'STS') sts.faults.push(...(faults as StsFault[]));
  if (scenario.service === 'discovery' || scenario.service === 'key set') {
    const path = scenario.service === 'discovery' ? 'discovery' : 'jwks';
    issuer.faults.push(...faults.map((fault) => ({ path, fault }) as IssuerFault));
    if (scenario.fault.kind === 'stale-keys') await issuer.rotateKeys(); // the token carries a kid the stale set lacks
  }
  return { issuer, endpoint, sts, close: () => Promise.all([sts.close(), endpoint.close()]) };
}

beforeAll(() => {
  issuers = [];
});
afterAll(async () => {
  await Promise.all(issuers.map((issuer) => issuer.close()));
  const count = (result: Outcome['result']) => outcomes.filter((outcome) => outcome.result === result).length;
  const width = Math.max(...outcomes.map((outcome) => outcome.scenario.length));
  const order = SCENARIOS.map(describeScenario);
  outcomes.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  const rows = outcomes.map((o) => `  ${o.scenario.padEnd(width)}  ${o.result.padEnd(13)}  ${String(o.ms).padStart(6)} ms`);
  console.log(
    [
      `Fault matrix (retry-max-attempts ${ATTEMPTS}; failing runs bounded by ${FAIL_CLOSED_WITHIN_MS / 1000} s):`,
      ...rows,
      `${outcomes.length} scenarios, ${count('recovered')} recovered, ${count('failed closed')} failed closed, ${count('hung')} hung, ${count('wrong')} wrong`,
    ].join('\n'),
  );
});

describe.concurrent('the fault matrix', () => {
  it.each(SCENARIOS.map((scenario) => [describeScenario(scenario), scenario] as const))('%s', async (name, scenario) => {
    const services = await world(scenario);
    try {
      const started = Date.now();
      const run = await runMainStep(services, { 'retry-max-attempts': String(ATTEMPTS) }, { timeoutMs: HUNG_AFTER_MS });
      const ms = Date.now() - started;
      const expected = scenario.failsWith ? 'failed closed' : 'recovered';
      const result = run.code === null ? 'hung' : run.code === 0 ? 'recovered' : run.stdout.includes(`::error::${scenario.failsWith}: `) && Object.keys(run.exported).length === 0 ? 'failed closed' : 'wrong';
      outcomes.push({ scenario: name, expected, result, ms });

      expect(run.code).not.toBeNull();
      expect([name, result]).toEqual([name, expected]);
      if (scenario.failsWith) {
        expect(ms).toBeLessThan(FAIL_CLOSED_WITHIN_MS);
        expect(run.exported).toEqual({});
        expect(run.outputs).toEqual({});
      } else {
        expect(Object.keys(run.exported)).toHaveLength(5);
      }
      const secrets = [...services.endpoint.issued, services.endpoint.bearer, ...services.sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken])];
      expect(findLeaks({ log: visibleOutput(run), summary: run.summary, outputs: run.files.GITHUB_OUTPUT ?? '' }, secrets)).toEqual([]);
    } finally {
      await services.close();
    }
  });
});
