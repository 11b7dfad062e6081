// What the release tests read from the repository: its root, package.json's version, and
// the workflow files users copy or that run the project's own CI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../harness/github.ts';

export { REPO_ROOT };

export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export function readText(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

function yamlFiles(dir: string): string[] {
  const full = join(REPO_ROOT, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => `${dir}/${name}`);
}

/** The GitHub examples users copy. */
export const GITHUB_EXAMPLES = yamlFiles('examples/github');

/** The project's own GitHub workflows. */
export const GITHUB_WORKFLOWS = yamlFiles('.github/workflows');

/** The CircleCI configs: the setup config and the one it continues into. */
export const CIRCLECI_CONFIGS = yamlFiles('.circleci');

/** The version and bundle digest the packed orb's (minified) launcher checks, from the orb's text. */
export function launcherPins(orbText: string): { version: string | undefined; digest: string | undefined } {
  const orb = parse(orbText) as { commands: Record<string, { steps: Array<{ run: { environment: Record<string, string> } }> }> };
  const launcher = orb.commands.assume_role?.steps[0]?.run.environment.CLAIMCHECK_LAUNCHER ?? '';
  return { version: /\bVERSION="([^"]+)"/.exec(launcher)?.[1], digest: /\bDIGEST="([0-9a-f]{64})"/.exec(launcher)?.[1] };
}
