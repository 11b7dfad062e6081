// The real Google client a later step would run: google-auth-library (npm) in a Node 24
// process, with nothing but the step's environment, so it finds the credentials through
// GOOGLE_APPLICATION_CREDENTIALS as in any job (Application Default Credentials), then calls
// the resource API double. Between calls it can wait, so that tokens expire behind it.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { REPO_ROOT } from './github.ts';
import { nodeRuntimes } from './runtimes.ts';

const CLIENT = `
import { GoogleAuth } from 'google-auth-library';
const [url, calls, pauseMs] = process.argv.slice(-3);
const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
const client = await auth.getClient();
const results = [];
for (let i = 0; i < Number(calls); i++) {
  if (i > 0) await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
  try {
    const response = await client.request({ url });
    results.push({ status: response.status, caller: response.data.caller });
  } catch (error) {
    results.push({ error: String(error.message ?? error).split('\\n')[0] });
  }
}
let project;
try { project = await auth.getProjectId(); } catch { project = null; }
console.log(JSON.stringify({ results, project, type: client.constructor.name }));
`;

export interface GoogleClientRun {
  readonly results: Array<{ status?: number; caller?: string; error?: string }>;
  readonly project: string | null;
  readonly type: string;
}

/** google-auth-library's default credentials, calling `url` `calls` times, `pauseMs` apart. */
export async function googleAuthLibrary(env: Record<string, string>, url: string, calls = 1, pauseMs = 0): Promise<GoogleClientRun> {
  const node = (nodeRuntimes()[0] as { node: string }).node;
  try {
    const { stdout } = await promisify(execFile)(node, ['--input-type=module', '--eval', CLIENT, url, String(calls), String(pauseMs)], { cwd: REPO_ROOT, env: { TMPDIR: tmpdir(), ...env }, timeout: 120_000 });
    return JSON.parse(stdout) as GoogleClientRun;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    throw new Error(`google-auth-library failed (${String(code)}): ${(stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`);
  }
}
