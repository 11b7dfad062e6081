// The whole exchange, the same for every cloud and every CI: for each cloud the step targets, a
// token for that cloud's audience, verified and checked against every rule, then the cloud's
// own exchange. It exports nothing: the caller hands the sessions over only when every cloud
// has succeeded, so a failure never leaves a partial export.
import { inertJson } from '../core/text/inert-text.js';
import type { Clock } from '../core/retry.js';
import { checkClaimRules, ruleFailure } from '../core/rules/rules.js';
import type { Settings } from '../core/config/settings.js';
import type { VerifiedToken } from '../oidc/verify.js';
import type { CheckedToken, CloudSession, CloudTarget, ExchangeContext, HandOverPlace, JobNaming, Log } from './cloud.js';

export interface FlowDeps {
  /** Obtains a fresh OIDC token for the audience. */
  readonly requestToken: (audience: string) => Promise<string>;
  /** Where requestToken reads an existing token (a file, a variable); undefined when it requests one. */
  readonly tokenOrigin?: string | undefined;
  /** Starts what needs no token (fetching the issuer's keys) while the token request is in flight. */
  readonly prepare: () => void;
  readonly verifyToken: (token: string, audience: string) => Promise<VerifiedToken>;
  /** Hides a secret from every later output; called the moment a secret exists. */
  readonly mask: (secret: string) => void;
  readonly log: Log;
  readonly clock: Clock;
  readonly naming: JobNaming;
}

/** Checks every target's hand-over in `place` before any token is requested (the front door calls it first). */
export function checkHandOvers(targets: readonly CloudTarget[], place: HandOverPlace): void {
  for (const target of targets) target.checkHandOver?.(place);
}

export async function exchange(settings: Settings, targets: readonly CloudTarget[], deps: FlowDeps): Promise<CloudSession[]> {
  const context: ExchangeContext = { log: deps.log, mask: deps.mask, clock: deps.clock, naming: deps.naming };
  for (const target of targets) target.precheck(context);
  for (const warning of settings.warnings) deps.log.warning(warning);
  const sessions: CloudSession[] = [];
  for (const target of targets) {
    let token = await checkedToken(settings, target, deps);
    const tokens = {
      current: () => token,
      renew: async () => (token = await checkedToken(settings, target, deps)),
    };
    sessions.push(await target.exchange(tokens, context));
  }
  return sessions;
}

/**
 * A fresh, verified token for the target's audience whose claims meet every rule; the rules are
 * checked on every token, also on those a hand-over renews later (Azure's token file).
 */
export async function checkedToken(settings: Settings, target: Pick<CloudTarget, 'audience' | 'prepare'>, deps: FlowDeps): Promise<CheckedToken> {
  const { raw, verified } = await verifiedToken(settings, target, deps);
  const rules = checkClaimRules(settings.rules, verified.claims);
  const failed = rules.find((result) => !result.held);
  if (failed) throw ruleFailure(failed, rules);
  if (rules.length > 0) deps.log.info(`All ${rules.length} claim rule(s) hold.`);
  return { raw, verified, rules };
}

async function verifiedToken(settings: Settings, target: Pick<CloudTarget, 'audience' | 'prepare'>, deps: FlowDeps): Promise<{ raw: string; verified: VerifiedToken }> {
  const { audience } = target;
  deps.log.info(deps.tokenOrigin === undefined ? `Requesting an OIDC token for audience ${audience}.` : `Reading the OIDC token from ${deps.tokenOrigin}.`);
  const requested = deps.requestToken(audience);
  deps.prepare();
  target.prepare();
  const raw = await requested;
  deps.mask(raw);
  deps.log.debug(`Received an OIDC token (${raw.length} characters); verifying it against ${settings.issuer}.`);
  const verified = await deps.verifyToken(raw, audience);
  deps.log.info(`Verified the token (${verified.algorithm}, issuer ${settings.issuer}, expires ${verified.expiresAt.toISOString()}): sub ${verified.claims.sub === undefined ? 'absent' : inertJson(JSON.stringify(verified.claims.sub))}.`);
  return { raw, verified };
}
