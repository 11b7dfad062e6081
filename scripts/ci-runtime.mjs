// Keeps the Node that runs this script for the test suite, where test/harness/runtimes.ts looks
// for its runtimes: .tools/node-<version>/bin/. scripts/setup.sh fills .tools/ with Linux
// builds from the npm registry; CI on Windows and macOS copies actions/setup-node's instead.
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = join('.tools', `node-${process.versions.node}`, 'bin');
mkdirSync(dir, { recursive: true });
copyFileSync(process.execPath, join(dir, basename(process.execPath)));
console.log(`Node ${process.versions.node} kept in ${dir}`);
