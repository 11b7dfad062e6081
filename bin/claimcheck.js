#!/usr/bin/env node
// The claimcheck CLI: the bundle in dist/cli, built from src/cli.ts.
import '../dist/cli/index.js';
