// The Log of platforms that print plain lines (the orb, the CLI), on its own: the CLI's
// dispatch makes one before it knows which command (and which modules) it runs.
import { inertLines } from '../core/text/inert-text.js';
import type { Log } from './cloud.js';

/**
 * A Log for platforms that print plain lines (the orb, the CLI): every line redacted and
 * inert (no control or escape sequence for a terminal, no workflow command for a GitHub
 * runner, which also reads the CLI's output there), debug lines only when CLAIMCHECK_DEBUG
 * is 1 or true.
 */
export function lineLog(print: (line: string) => void, redact: (text: string) => string, env: Readonly<Record<string, string | undefined>>): Log {
  const debug = env.CLAIMCHECK_DEBUG === '1' || env.CLAIMCHECK_DEBUG === 'true';
  const shown = (text: string) => inertLines(redact(text));
  return {
    info: (text) => print(shown(text)),
    warning: (text) => print(shown(`Warning: ${text}`)),
    debug: (text) => (debug ? print(shown(`[debug] ${text}`)) : undefined),
  };
}
