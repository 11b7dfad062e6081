// The report of a run, on its own (no HTTP client behind it): the CLI's offline commands
// (trust-policy) reach it through cli/platform.ts.
import type { Settings } from '../core/config/settings.js';
import type { RunReport } from '../core/report/report.js';
import { VERSION } from '../core/version.generated.js';
import type { CloudSession } from './cloud.js';

/** The report of a run that made `sessions`: the job's facts, each cloud's session, and where each rule binds. */
export function runReport(settings: Settings, sessions: readonly CloudSession[], job: RunReport['job']): RunReport {
  const first = sessions[0];
  if (first === undefined) throw new Error('a run report needs a session');
  const { claims } = first.token.verified;
  const rules = [...first.token.rules, ...sessions.flatMap((session) => session.rules)];
  return {
    version: VERSION,
    job,
    issuer: settings.issuer,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    clouds: sessions.map((session) => session.facts),
    rules: rules.map((result) => ({ rule: result.rule.source, held: result.held, binds: sessions.flatMap((session) => {
      const key = session.enforces(result.rule);
      return key === undefined ? [] : [{ cloud: session.cloud, key }];
    }) })),
  };
}

