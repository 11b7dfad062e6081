// V8's compile cache (Node 22.1 and later): what a bundle compiles once is read back by later
// runs of it, as long as the cache folder lasts; a credential_process renewal or a second step
// in the same job then starts about 20 ms sooner. Code read from the cache runs as it is, so
// the folder must be this user's and closed to others, in a parent nobody else can write to:
// otherwise there is no cache. A folder that is unfit is made again, private; a cache of other
// sources (another claimcheck version) is refused by Node, which compares each file's hash.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import module from 'node:module';
import { dirname } from 'node:path';
import { freshPrivateFolder, ownFolderProblem } from '../../files/private-folder.js';

/** Node's switch, or null before Node 22.1, which has none; tests pass their own. */
type Enable = ((dir: string) => unknown) | null;

/**
 * Turns the compile cache on in `dir` when that is safe, and says whether it did; never fails
 * a run (without the cache, start-up is only slower).
 */
export function startCompileCache(dir: string | undefined, enable: Enable = module.enableCompileCache ?? null): boolean {
  if (dir === undefined || enable === null) return false;
  try {
    if (ownFolderProblem(dirname(dir)) !== undefined) return false;
    freshPrivateFolder(dir);
    enable(dir);
    return true;
  } catch {
    return false; // an unusable folder: no cache
  }
}
