// The claimcheck command line (package.json "bin" → bin/claimcheck.js → this bundle).
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/main.js';

// The AWS SDK warns on every run under Node < 22 that its releases from 2027 will need Node 22;
// this bundle pins its SDK, so that is claimcheck's to act on, not the user's (the orb sets the same).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  env: process.env,
  readStdin: () => text(process.stdin),
}, { node: process.execPath, script: fileURLToPath(import.meta.url) });
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
