// The Node runtimes the bundle is tested on: Node 24 (GitHub's node24 actions runtime), Node 22
// (the oldest the orb and the CLI accept) and Node 20 (older), all installed from the npm
// registry by scripts/setup.sh; and the real AWS clients it installs from Debian (awscli,
// python3-boto3).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './github.ts';

export interface Runtime {
  readonly name: string;
  readonly node: string;
}

function findRuntime(major: string): Runtime {
  const tools = join(REPO_ROOT, '.tools');
  const installed = existsSync(tools) ? readdirSync(tools).filter((name) => name.startsWith('node-')) : [];
  const dir = installed.find((name) => name.startsWith(`node-${major}.`));
  if (!dir) throw new Error(`Node ${major} is not installed under .tools/: run scripts/setup.sh (npm test does)`);
  return { name: `node ${dir.slice('node-'.length)}`, node: join(tools, dir, 'bin', 'node') };
}

/** Node 24 and Node 20. */
export function nodeRuntimes(): Runtime[] {
  return [findRuntime('24'), findRuntime('20')];
}

/** Node 22: the oldest Node the orb and the CLI accept (engines, NODE_TOO_OLD). */
export function floorRuntime(): Runtime {
  return findRuntime('22');
}

export const DEBIAN_AWS = '/usr/bin/aws';
export const hasDebianAws = existsSync(DEBIAN_AWS);

/** Debian's python3, the interpreter scripts/setup.sh installs python3-boto3 for (not a pyenv or venv one). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const hasDebianBoto3 = existsSync(DEBIAN_PYTHON) && spawnSync(DEBIAN_PYTHON, ['-c', 'import boto3'], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } }).status === 0;
