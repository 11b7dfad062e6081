// What a process loads: every module Node loads for it (the bundle's files as file: URLs, and
// node: builtins, through import or require), recorded with the time it was loaded by a hook
// (module.registerHooks, Node 22.15 and later) that NODE_OPTIONS=--import installs. Which
// files hold what is found by their content: the AWS SDK's chunk is the one that defines STSClient.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './github.ts';

const HOOK = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.CLAIMCHECK_TEST_LOAD_LOG;
registerHooks({
  load(url, context, nextLoad) {
    appendFileSync(log, JSON.stringify({ url, at: Date.now() }) + '\\n');
    return nextLoad(url, context);
  },
});
`;

export interface LoadedModule {
  /** A file: URL, or a node: builtin. */
  readonly url: string;
  /** Date.now() when Node began to load it. */
  readonly at: number;
}

export interface LoadRecorder {
  /** The environment that makes a Node process record its loads (merge it into the child's). */
  readonly env: Record<string, string>;
  /** What the processes started with `env` have loaded so far, in order. */
  loaded(): LoadedModule[];
}

/** A recorder whose hook and log live in `dir` (a test's temp folder). */
export function loadRecorder(dir: string): LoadRecorder {
  const hook = join(dir, 'load-hook.mjs');
  const log = join(dir, 'loads.jsonl');
  writeFileSync(hook, HOOK);
  writeFileSync(log, '');
  return {
    env: { NODE_OPTIONS: `--import=${hook}`, CLAIMCHECK_TEST_LOAD_LOG: log },
    loaded: () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as LoadedModule),
  };
}

/** The files of a built bundle (dist/<bundle>) that hold `marker`; a test fails first if none does. */
export function bundleFilesWith(bundle: string, marker: string): string[] {
  const dir = join(REPO_ROOT, 'dist', bundle);
  return readdirSync(dir).filter((name) => name.endsWith('.js') && readFileSync(join(dir, name), 'utf8').includes(marker)).map((name) => join(dir, name));
}

/** The bundle's files among the loads, as paths. */
export const loadedFiles = (loads: readonly LoadedModule[]) => loads.filter((load) => load.url.startsWith('file:')).map((load) => fileURLToPath(load.url));
/** The node: builtins among the loads, without the prefix. */
export const loadedBuiltins = (loads: readonly LoadedModule[]) => loads.filter((load) => load.url.startsWith('node:')).map((load) => load.url.slice('node:'.length));
