// CircleCI's OIDC token: the job's CIRCLE_OIDC_TOKEN_V2 when the audience is the
// organization (its default), otherwise a fresh one from `circleci run oidc get`, which
// can set only `aud`. Its output is never printed: CircleCI masks no value made at run time.
import { execFile } from 'node:child_process';
import { ClaimcheckError } from '../../core/errors.js';
import { RetriesExhausted, withRetries, type Clock, type RetryPolicy } from '../../core/retry.js';
import { tokenFileReader } from '../../files/token-file.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** A failed `circleci run oidc get`: transient unless the command does not exist. */
class OidcCommandFailed extends Error {
  readonly missing: boolean;

  constructor(message: string, missing: boolean) {
    super(message);
    this.missing = missing;
  }
}

export interface TokenRetry {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly onRetry: (message: string, attempt: number, delayMs: number) => void;
}

/**
 * `fresh`: for the organization audience too, prefer `circleci run oidc get` to the job's
 * token, which expires an hour into the job (renewals need a token minted now).
 */
export function circleciTokenRequester(env: Environment, retry: TokenRetry, fresh = false): (audience: string) => Promise<string> {
  return async (audience) => {
    if (audience === env.CIRCLE_ORGANIZATION_ID) {
      if (!fresh) return jobToken(env);
      return runOidcGet(audience, env).catch(() => jobToken(env));
    }
    try {
      return await withRetries(() => runOidcGet(audience, env), {
        policy: retry.policy,
        clock: retry.clock,
        decide: (error) => (error instanceof OidcCommandFailed && !error.missing ? 'retry' : 'stop'),
        onRetry: (error, attempt, delay) => retry.onRetry((error as Error).message, attempt, delay),
      });
    } catch (error) {
      const failure = error instanceof RetriesExhausted ? (error.last as OidcCommandFailed) : (error as OidcCommandFailed);
      throw new ClaimcheckError(
        'TOKEN_REQUEST_FAILED',
        `Could not get an OIDC token for audience ${audience}: ${failure.message}.`,
        failure.missing
          ? 'The circleci command is part of every CircleCI job; outside one, or in an image without it, set audience to your organization ID to use CIRCLE_OIDC_TOKEN_V2.'
          : 'Re-run the job; if it persists, CircleCI may be having an incident (status.circleci.com).',
      );
    }
  };
}

/** Where the job's token comes from: web_identity_token_file when it is set, else CircleCI. */
export function circleciTokenSource(
  tokenFile: string | undefined,
  env: Environment,
  retry: TokenRetry,
  fresh = false,
): { readonly requestToken: (audience: string) => Promise<string>; readonly tokenOrigin?: string } {
  if (tokenFile !== undefined) return tokenFileReader(tokenFile, 'web_identity_token_file');
  return { requestToken: circleciTokenRequester(env, retry, fresh) };
}

function jobToken(env: Environment): string {
  const token = env.CIRCLE_OIDC_TOKEN_V2 || env.CIRCLE_OIDC_TOKEN;
  if (!token) {
    throw new ClaimcheckError(
      'TOKEN_PERMISSION',
      'This job has no OIDC token: CIRCLE_OIDC_TOKEN_V2 and CIRCLE_OIDC_TOKEN are not set.',
      'CircleCI gives jobs a token except in builds of forked pull requests that are not allowed to receive secrets; run from the main repository.',
    );
  }
  return token;
}

function runOidcGet(audience: string, env: Environment): Promise<string> {
  const claims = JSON.stringify({ aud: audience });
  return new Promise((resolve, reject) => {
    execFile('circleci', ['run', 'oidc', 'get', '--claims', claims], { env: env as NodeJS.ProcessEnv, timeout: 30_000, maxBuffer: 64 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const why = missing ? 'the circleci command was not found' : `circleci run oidc get failed (${firstLine(stderr) || `exit ${String(error.code ?? error.signal)}`})`;
        return reject(new OidcCommandFailed(why, missing));
      }
      const token = stdout.trim();
      if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return reject(new OidcCommandFailed('circleci run oidc get printed no token', false));
      resolve(token);
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0]?.slice(0, 200) ?? '';
}
