// Whether a trust boundary pins the issuer's repositories or projects, from its accepted
// tokens (any cloud): `open` when a stranger can be accepted — someone who picks a new name
// and is given new ids; `names-only` when only names that can be renamed or re-created keep
// strangers out; `pinned` when ids that never change hands do. "A stranger can pick it" means
// the field could take more values along the same accepted token than a policy would name one
// by one (solve.ts: MANY_VALUES; ids of a fixed length, such as UUIDs, are finitely many).
import type { PinSpec } from './grammar/grammar.js';
import type { Witness } from './solve.js';

export type PinVerdict = 'open' | 'names-only' | 'pinned';

export type Reading = 'definite' | 'possible';

/** A token accepted in the reading, in which each field of `free` could take many values (a stranger's); undefined if none. */
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

/**
 * The verdict. `exact`: nothing unknown is in play, so the possible reading is the definite one
 * (half the searches).
 */
export function classifyPins(pins: PinSpec, find: FindAccepted, exact = false): PinResult {
  const ids = new Set(pins.ids);
  const all = new Set([...pins.ids, ...pins.names]);
  const possibly = (free: ReadonlySet<string>, definite: Witness | undefined) => (exact ? definite : find(free, 'possible'));
  const open = find(all, 'definite');
  if (open) return { verdict: 'open', example: open, acceptsNothing: false };
  const maybeOpen = possibly(all, open);
  const unpinned = find(ids, 'definite');
  if (maybeOpen) return { verdict: undefined, range: [unpinned ? 'names-only' : 'pinned', 'open'], example: maybeOpen, acceptsNothing: false };
  if (unpinned) return { verdict: 'names-only', example: unpinned, acceptsNothing: false };
  const maybeUnpinned = possibly(ids, unpinned);
  if (maybeUnpinned) return { verdict: undefined, range: ['pinned', 'names-only'], example: maybeUnpinned, acceptsNothing: false };
  return { verdict: 'pinned', acceptsNothing: find(new Set(), 'possible') === undefined };
}
