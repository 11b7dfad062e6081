// What a failed run had learned, kept for its failure report (core/report/failure-report.ts): the
// claims of the last token that verified. One witness per run, wrapped around that run's
// dependencies; the error itself stays a plain ClaimcheckError.
import type { ClaimcheckError } from '../core/errors.js';
import { failureReport, type FailureReport } from '../core/report/failure-report.js';
import type { Settings } from '../core/config/settings.js';
import { VERSION } from '../core/version.generated.js';
import type { FlowDeps } from './exchange.js';

type Claims = Readonly<Record<string, unknown>>;

export interface ClaimsWitness {
  /** The run's dependencies, remembering the claims of each token that verifies. */
  watch(deps: FlowDeps): FlowDeps;
  /** The last verified token's claims; undefined when none verified. */
  readonly claims: () => Claims | undefined;
}

export function claimsWitness(): ClaimsWitness {
  let seen: Claims | undefined;
  return {
    watch: (deps) => ({
      ...deps,
      verifyToken: async (token, audience) => {
        const verified = await deps.verifyToken(token, audience);
        seen = verified.claims;
        return verified;
      },
    }),
    claims: () => seen,
  };
}

/** The report of a failed run: what the settings and the witness knew when `error` ended it. */
export function failedRunReport(error: ClaimcheckError, settings: Settings | undefined, witness: ClaimsWitness, troubleshootingUrl?: string): FailureReport {
  return failureReport(error, { version: VERSION, settings, claims: witness.claims(), troubleshootingUrl });
}
