// The claimcheck command line (package.json "bin" → bin/claimcheck.js → this bundle).
// start.js goes first: below the Node.js floor nothing else runs.
import './cli/start.js';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/main.js';
import { MAX_TOKEN_FILE_BYTES } from './files/token-file.js';

// The AWS SDK warns on every run under Node < 22 that its releases from 2027 will need Node 22;
// this bundle pins its SDK, so that is claimcheck's to act on, not the user's (the orb sets the same).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Standard input, but never more than `limit` bytes of it: `--token-file -` fed /dev/zero stops there. */
async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

const code = await runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  env: process.env,
  readStdin: () => readStdin(MAX_TOKEN_FILE_BYTES + 1),
}, { node: process.execPath, script: fileURLToPath(import.meta.url) });
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
