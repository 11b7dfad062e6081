// The claimcheck command line (package.json "bin" → bin/claimcheck.js → this bundle).
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/main.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  env: process.env,
  readStdin: () => text(process.stdin),
}, { node: process.execPath, script: fileURLToPath(import.meta.url) });
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
