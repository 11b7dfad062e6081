// When the refresher writes a fresh token into the file azure-identity reads. The SDKs read the
// file when they need an access token and keep what they read for a while (JS 5 minutes,
// Python 10): the token in the file must outlive that. A token that lives long (CircleCI's
// hour) is replaced when 12 minutes of it are left; a short one (GitHub's 5 minutes) cannot
// outlive a 10-minute cache at all, so it is replaced every minute, which keeps the token
// any client reads at most a minute old.

/** The longest an SDK keeps a token it read from the file (azure-identity for Python). */
export const CLIENT_CACHE_MS = 10 * 60_000;
const LONG_TOKEN_MARGIN_MS = CLIENT_CACHE_MS + 2 * 60_000;
/** Short tokens are replaced at most this often: GitHub's every minute. */
const SHORT_TOKEN_STEP_MS = 60_000;
const MIN_STEP_MS = 2_000;

/** When to write the next token, given the current one's issue and expiry times (ms). */
export function nextRenewal(issuedAt: number, expiresAt: number): number {
  const lifetime = expiresAt - issuedAt;
  if (lifetime > LONG_TOKEN_MARGIN_MS + SHORT_TOKEN_STEP_MS) return expiresAt - LONG_TOKEN_MARGIN_MS;
  return issuedAt + Math.max(MIN_STEP_MS, Math.min(SHORT_TOKEN_STEP_MS, Math.floor(lifetime / 5)));
}

/** After a failed renewal: try again soon, never less than a few seconds apart. */
export function retryAfterFailure(issuedAt: number, expiresAt: number, failures: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const step = Math.max(MIN_STEP_MS, Math.min(30_000, Math.floor(lifetime / 10)));
  return Math.min(step * 2 ** Math.min(failures - 1, 4), 5 * 60_000);
}

/** The refresher gives up when renewals have failed for this long and the file's token has expired. */
export const GIVE_UP_AFTER_MS = 10 * 60_000;

/** No refresher runs longer than a day, whatever keeps answering: jobs end, a forgotten one must too. */
export const MAX_REFRESH_MS = 24 * 60 * 60_000;
