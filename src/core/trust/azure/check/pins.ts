// Whether an app's federated credentials pin the issuer's repositories or projects (the
// neutral ../../pins.ts over every audience's credentials): `open` when a stranger — a new
// name, new ids — is admitted, which is a FAIL unless --allow-unpinned says it is meant. For
// an issuer whose subject format claimcheck does not know, only a credential admitting every
// subject is open.
import { ANY_NONEMPTY } from '../../grammar/pieces.js';
import { isEmpty } from '../../lang/dfa.js';
import { and, ANY_TEXT, not, toDfa } from '../../lang/lang.js';
import { classifyPins, type Reading } from '../../pins.js';
import type { Witness } from '../../solve.js';
import type { Finding } from './check.js';
import type { CredentialModel } from './model.js';
import { admitted, find, type World } from './world.js';

function clausesIn(model: CredentialModel, reading: Reading) {
  return reading === 'definite' ? model.definite : model.possible;
}

/** A token some credential admits in the reading, each `free` field a stranger's. */
function anyAdmitted(worlds: readonly World[], free: ReadonlySet<string>, reading: Reading): Witness | undefined {
  for (const world of worlds) {
    for (const model of world.models) {
      const clauses = clausesIn(model, reading);
      const token = clauses ? find(world, admitted(clauses), free) : undefined;
      if (token) return token;
    }
  }
  return undefined;
}

/** Subjects of unknown form: open when a credential admits every subject (and asks nothing else). */
function plainOpen(worlds: readonly World[], reading: Reading): CredentialModel | undefined {
  for (const world of worlds) {
    for (const model of world.models) {
      const clauses = clausesIn(model, reading);
      if (!clauses || clauses.some(([claim]) => claim !== 'sub')) continue;
      const subjects = and(ANY_TEXT, ...clauses.map(([, lang]) => lang));
      if (isEmpty(toDfa(and(ANY_NONEMPTY, not(subjects)), world.session.alphabet))) return model;
    }
  }
  return undefined;
}

function plainFindings(worlds: readonly World[]): Finding[] {
  const open = plainOpen(worlds, 'definite');
  if (open) {
    const world = worlds.find((each) => each.models.includes(open)) as World;
    return [{ kind: 'unpinned', noun: 'subject', token: { sub: 'someone-else', aud: world.audience, iss: world.grammar.fields.iss?.example ?? '' } }];
  }
  const maybe = plainOpen(worlds, 'possible');
  if (maybe) return [{ kind: 'undecided', about: 'whether the credentials pin a subject of the issuer', why: maybe.unknown }];
  return [];
}

export function judgeCredentialPins(worlds: readonly World[], allowUnpinned: boolean): Finding[] {
  if (allowUnpinned || worlds.length === 0) return [];
  const pins = (worlds[0] as World).grammar.pins;
  if (!pins) return plainFindings(worlds);
  const exact = worlds.every((world) => world.models.every((model) => model.unknown.length === 0));
  const result = classifyPins(pins, (free, reading) => anyAdmitted(worlds, free, reading), exact);
  if (result.verdict === 'open' && result.example) return [{ kind: 'unpinned', noun: pins.noun, token: result.example.claims }];
  if (result.verdict === undefined && result.range?.[1] === 'open') {
    const why = [...new Set(worlds.flatMap((world) => world.models.flatMap((model) => model.unknown)))];
    return [{ kind: 'undecided', about: `whether the credentials pin a ${pins.noun} of the issuer`, why, ...(result.example ? { token: result.example.claims } : {}) }];
  }
  return [];
}
