// Starts the refresher (refresher.ts) for a token folder: this bundle again, detached from the
// step (its own session, no stdio: the step ends without waiting for it), with what it needs
// on standard input. Its environment is the step's without the token request's variables:
// the bearer reaches it through the pipe only. On a GitHub runner it keeps RUNNER_TRACKING_ID,
// by which the runner ends the job's leftover processes; on CircleCI the job's container or
// VM ends with the job. The step waits (at most 5 s) for its first sign of life.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writePrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import type { CheckedToken, Rerun } from '../../flow/cloud.js';
import type { RefresherConfig } from './refresher.js';
import { LAUNCHER_FILE, readStatus } from './token-folder.js';

export type RefresherStart = { readonly started: true; readonly pid: number } | { readonly started: false; readonly why: string };

/** Variables the refresher must not inherit: the bearer (it comes through the pipe), the step's inputs, the orb's launcher text. */
const WITHHELD = /^(ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL)|INPUT_.*|CLAIMCHECK_LAUNCHER|CLAIMCHECK_COMMAND|STATE_.*)$/;

const READY_WAIT_MS = 5_000;
/** The refresher is a Node start away (about 100 ms): a short poll ends the wait soon after it. */
const POLL_MS = 10;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function refresherInputs(given: Readonly<Record<string, string>>, rulesFile: string | undefined): Record<string, string> {
  // A relative rules file is the step's working directory's; the refresher runs from elsewhere.
  return { ...given, ...(rulesFile === undefined ? {} : { 'rules-file': rulesFile }) };
}

export function startRefresher(dir: string, rerun: Rerun, token: CheckedToken, inputs: Readonly<Record<string, string>>): RefresherStart {
  const script = rerun.launcher === undefined ? rerun.self.script : join(dir, LAUNCHER_FILE);
  if (rerun.launcher !== undefined) writePrivateFile(script, rerun.launcher, OWN_FILE);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !WITHHELD.test(name)));
  const issuedAt = typeof token.verified.claims.iat === 'number' ? token.verified.claims.iat * 1000 : Date.now();
  const config: RefresherConfig = { version: 1, inputs, token: rerun.token, issuedAt, expiresAt: token.verified.expiresAt.getTime() };
  let child;
  try {
    child = spawn(rerun.self.node, [script, 'azure-refresh', dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env, cwd: dir });
  } catch (error) {
    return { started: false, why: (error as Error).message };
  }
  child.on('error', () => {});
  // Written at once into the pipe's buffer (a few KB): the step may exit right after.
  child.stdin?.end(`${JSON.stringify(config)}\n`);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid;
  for (let waited = 0; waited < READY_WAIT_MS; waited += POLL_MS) {
    if (readStatus(dir)?.pid === pid && pid !== undefined) return { started: true, pid };
    if (child.exitCode !== null) break;
    sleepSync(POLL_MS);
  }
  if (pid !== undefined && child.exitCode === null) child.kill();
  return { started: false, why: `it gave no sign of life within ${READY_WAIT_MS / 1000} s` };
}
