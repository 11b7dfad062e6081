// Whether a trust boundary pins the issuer's repositories or projects, from its accepted
// tokens (any cloud): `open` when a stranger can be accepted — someone who picks a new name
// and is given new ids; `names-only` when only names that can be renamed or re-created keep
// strangers out; `pinned` when ids that never change hands do. "A stranger can pick it" means
// the field could take infinitely many values along the same accepted token (solve.ts).
import type { PinSpec } from './grammar/grammar.js';
import type { Witness } from './solve.js';

export type PinVerdict = 'open' | 'names-only' | 'pinned';

export type Reading = 'definite' | 'possible';

/** A token accepted in the reading, in which each field of `free` could take infinitely many values; undefined if none. */
export type FindAccepted = (free: ReadonlySet<string>, reading: Reading) => Witness | undefined;

export interface PinResult {
  /** undefined: it depends on what claimcheck cannot see, between `range`. */
  readonly verdict: PinVerdict | undefined;
  readonly range?: readonly [PinVerdict, PinVerdict];
  /** A token that shows the verdict: a stranger's (open), or one pinned by names only. */
  readonly example?: Witness;
  /** No token of the issuer is accepted at all. */
  readonly acceptsNothing: boolean;
}

export function classifyPins(pins: PinSpec, find: FindAccepted): PinResult {
  const ids = new Set(pins.ids);
  const all = new Set([...pins.ids, ...pins.names]);
  const acceptsNothing = find(new Set(), 'possible') === undefined;
  const open = find(all, 'definite');
  if (open) return { verdict: 'open', example: open, acceptsNothing };
  const maybeOpen = find(all, 'possible');
  const unpinned = find(ids, 'definite');
  if (maybeOpen) return { verdict: undefined, range: [unpinned ? 'names-only' : 'pinned', 'open'], example: maybeOpen, acceptsNothing };
  if (unpinned) return { verdict: 'names-only', example: unpinned, acceptsNothing };
  const maybeUnpinned = find(ids, 'possible');
  if (maybeUnpinned) return { verdict: undefined, range: ['pinned', 'names-only'], example: maybeUnpinned, acceptsNothing };
  return { verdict: 'pinned', acceptsNothing };
}
