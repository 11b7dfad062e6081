// Where the CLI gets the OIDC token: a file (or - for standard input), an environment
// variable, or a command whose standard output is the token (run again for a fresh one).
import { execFile } from 'node:child_process';
import { ClaimcheckError } from '../core/errors.js';
import { MAX_TOKEN_FILE_BYTES, readTokenFile } from '../files/token-file.js';
import type { TokenSpec } from '../flow/cloud.js';
import { UsageError, type Flags, type ParsedFlags } from './args.js';

export const TOKEN_FLAGS: Flags = {
  'token-file': { kind: 'string', value: 'path', description: 'Read the OIDC token from this file (- for standard input).' },
  'token-env': { kind: 'string', value: 'name', description: 'Read the OIDC token from this environment variable.' },
  'token-command': { kind: 'string', value: 'command', description: 'Run this shell command; its output is the OIDC token (run again when a fresh token is needed).' },
};

export interface TokenContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin: () => Promise<string>;
}

/** A platform preset's default source: its name and the fix in its own words, for errors. */
export interface TokenOrigin {
  readonly title: string;
  readonly hint: string;
}

function failed(what: string, hint: string): ClaimcheckError {
  return new ClaimcheckError('TOKEN_REQUEST_FAILED', `Could not read the OIDC token: ${what}.`, hint);
}

function runCommand(command: string, env: TokenContext['env'], origin: TokenOrigin | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { env: env as NodeJS.ProcessEnv, timeout: 60_000, maxBuffer: 256 * 1024 }, (error, stdout) => {
      const what = origin ? `the ${origin.title} token command (${command})` : '--token-command';
      if (error) reject(failed(`${what} exited with ${String(error.code ?? error.signal)}`, origin?.hint ?? 'Run the command by hand to see why it fails.'));
      else resolve(stdout);
    });
  });
}

/** The token reader the flags name; exactly one of the three must be given (a preset may have filled it in). */
export function tokenSource(flags: ParsedFlags, context: TokenContext, origin?: TokenOrigin): () => Promise<string> {
  const given = Object.keys(TOKEN_FLAGS).filter((name) => flags.strings.has(name));
  if (given.length !== 1) throw new UsageError('give exactly one of --token-file, --token-env or --token-command');
  const [name] = given as [string];
  const value = flags.strings.get(name) as string;
  const read = async (): Promise<string> => {
    if (name === 'token-env') {
      const token = context.env[value];
      if (!token) throw failed(`the environment variable ${value} is empty or not set`, origin?.hint ?? 'Export the token into that variable, or use --token-file or --token-command.');
      return token;
    }
    if (name === 'token-command') return runCommand(value, context.env, origin);
    if (value === '-') {
      const text = await context.readStdin();
      if (Buffer.byteLength(text) > MAX_TOKEN_FILE_BYTES) throw failed(`standard input holds more than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, which no token is`, 'Pipe the token itself into --token-file -.');
      return text;
    }
    return readTokenFile(value, '--token-file', 'Point --token-file at a regular file that holds the token (links are followed), or give - for standard input.');
  };
  return async () => {
    const token = (await read()).trim();
    if (token === '') throw failed(`--${name} gave nothing`, 'Check that the source holds the token.');
    return token;
  };
}

/** A fresh token for a renewal, from the file or command `--refresh` recorded. */
export function renewalTokenReader(spec: TokenSpec, env: TokenContext['env']): () => Promise<string> {
  if (spec.kind !== 'command' && spec.kind !== 'file' && spec.kind !== 'env') throw new Error(`this bundle cannot get a ${spec.kind} token`);
  const flag = spec.kind === 'command' ? ['token-command', spec.command] : spec.kind === 'file' ? ['token-file', spec.path] : ['token-env', spec.variable];
  const flags = { strings: new Map([flag as [string, string]]), booleans: new Set<string>(), lists: new Map() };
  return tokenSource(flags, { env, readStdin: async () => '' });
}
