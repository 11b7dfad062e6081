// Role session names: what STS accepts, and a default derived from the job so that
// CloudTrail shows which run asked for the session.

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MAX_LENGTH = 64;

export function isSessionName(text: string): boolean {
  return SESSION_NAME.test(text);
}

function sanitize(text: string): string {
  return text.replace(/[^\w+=,.@-]+/g, '-');
}

/**
 * `<base>@<suffix>` made valid for STS: characters STS refuses become `-`, and a long base
 * is cut from the front so the suffix (the run) always survives.
 */
export function sessionNameFrom(base: string, suffix: string): string {
  const tail = suffix === '' ? '' : `@${sanitize(suffix)}`.slice(0, MAX_LENGTH);
  const room = MAX_LENGTH - tail.length;
  const head = sanitize(base);
  // Stryker disable next-line EqualityOperator: equivalent: cutting a head of exactly room characters from 0 keeps it whole
  const name = `${head.length > room ? head.slice(head.length - room) : head}${tail}`;
  return isSessionName(name) ? name : 'claimcheck';
}
