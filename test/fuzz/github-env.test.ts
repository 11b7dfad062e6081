// GITHUB_ENV writers read back by the runner's parser: githubEnvEntries (the CLI's github
// format) and @actions/core's exportVariable (the action). Two readers: a port of the runner's
// own parser (actions/runner, src/Runner.Worker/FileCommandManager.cs, SetEnvFileCommand, as
// built for Linux), and the harness's parseCommandFile that the e2e tests use.
//
// What the protocol cannot carry, found here:
// - The runner on Linux splits lines on "\n" only and keeps every "\r" of a value; the
//   harness's parseCommandFile splits on /\r?\n/, so it drops a "\r" that precedes a line
//   break or ends the value ("a\r\nb" → "a\nb", "a\r" → "a"). Values with such a "\r" are
//   compared with that loss applied (harnessView); the runner port reads them back exactly.
// - @actions/core writes the value unchanged (toCommandValue leaves strings as they are, and
//   os.EOL is "\n" on Linux), but through a UTF-8 file: a lone surrogate becomes U+FFFD.
// - A value that contains the delimiter is refused (by both writers), never written.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { githubEnvEntries as entriesOf } from '../../src/cli/formats.js';
import { credentialVariables } from '../../src/core/aws/exported-variables.js';
import { parseCommandFile } from '../harness/github.ts';
import { asUtf8Stores, hostileString } from './arbitraries.ts';
import { runs } from './budget.ts';

const RUNS = runs(500);

/** SetEnvFileCommand.ProcessCommand on Linux: `NAME=value` lines and `NAME<<DELIMITER` blocks. */
function runnerEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  let index = 0;
  const readLine = (): string | undefined => {
    if (index >= text.length) return undefined;
    const start = index;
    const lf = text.indexOf('\n', index);
    index = lf < 0 ? text.length : lf + 1;
    return text.slice(start, lf < 0 ? text.length : lf);
  };
  for (let line = readLine(); line !== undefined; line = readLine()) {
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      result[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc < 0) throw new Error(`Invalid environment variable format '${line}'`);
    const [name, delimiter] = [line.slice(0, heredoc), line.slice(heredoc + 2)];
    if (name === '' || delimiter === '') throw new Error(`Invalid environment variable format '${line}'`);
    const start = index;
    let end = index;
    for (let next = readLine(); next !== delimiter; next = readLine()) {
      if (next === undefined) throw new Error(`Matching delimiter not found '${delimiter}'`);
      end = index - (text[index - 1] === '\n' ? 1 : 0);
    }
    result[name] = end > start ? text.slice(start, end) : '';
  }
  return result;
}

/** The value as the harness's parseCommandFile reads it: a "\r" before a line break is lost. */
function harnessView(value: string): string {
  return value.replace(/\r(?=\n|$)/g, '');
}

interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly region: string;
}

/** The CLI's --format github entries of AWS credentials. */
function githubEnvEntries(credentials: IssuedCredentials, delimiter?: string): string {
  return entriesOf(credentialVariables(credentials, credentials.region), delimiter);
}

function credentialsOf([accessKeyId, secretAccessKey, sessionToken, region]: readonly string[]): IssuedCredentials {
  return { accessKeyId: accessKeyId ?? '', secretAccessKey: secretAccessKey ?? '', sessionToken: sessionToken ?? '', region: region ?? '' };
}

function exportedBy(credentials: IssuedCredentials, view: (value: string) => string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: view(credentials.accessKeyId),
    AWS_SECRET_ACCESS_KEY: view(credentials.secretAccessKey),
    AWS_SESSION_TOKEN: view(credentials.sessionToken),
    AWS_REGION: view(credentials.region),
    AWS_DEFAULT_REGION: view(credentials.region),
  };
}

const value = fc.oneof(hostileString, fc.string({ unit: fc.constantFrom('\r', '\n', 'a', '=', '<<', 'EOF', 'ghadelimiter_') }));

describe('githubEnvEntries read back as the runner reads GITHUB_ENV', () => {
  const fourValues = fc.array(value, { minLength: 4, maxLength: 4 });

  it('carries every value exactly (runner port), and as the harness reads it (parseCommandFile)', () => {
    fc.assert(
      fc.property(fourValues, (values) => {
        const credentials = credentialsOf(values);
        const text = githubEnvEntries(credentials);
        expect(runnerEnvFile(text)).toEqual(exportedBy(credentials, (v) => v));
        expect(parseCommandFile(text)).toEqual(exportedBy(credentials, harnessView));
      }),
      RUNS,
    );
  });

  it('refuses a value that contains the delimiter, and carries every other one', () => {
    fc.assert(
      fc.property(fourValues, fc.constantFrom('EOF', 'ghadelimiter_x', 'a'), (values, delimiter) => {
        const credentials = credentialsOf(values);
        if (values.some((v) => v.includes(delimiter))) {
          expect(() => githubEnvEntries(credentials, delimiter)).toThrow(/delimiter/);
        } else {
          expect(runnerEnvFile(githubEnvEntries(credentials, delimiter))).toEqual(exportedBy(credentials, (v) => v));
        }
      }),
      RUNS,
    );
  });
});

describe("@actions/core's exportVariable read back as the runner reads GITHUB_ENV", () => {
  const NAME = 'CLAIMCHECK_FUZZ_EXPORTED';
  const saved = process.env.GITHUB_ENV;
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-fuzz-env-'));

  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_ENV;
    else process.env.GITHUB_ENV = saved;
    delete process.env[NAME];
  });

  /** What exportVariable appends to GITHUB_ENV for the value (it reads GITHUB_ENV at call time). */
  function written(exported: string): string {
    const file = join(dir, 'env');
    writeFileSync(file, '');
    process.env.GITHUB_ENV = file;
    core.exportVariable(NAME, exported);
    return readFileSync(file, 'utf8');
  }

  it('writes the value unchanged in a heredoc block, which the runner reads back exactly', () => {
    fc.assert(
      fc.property(value, (exported) => {
        const text = written(exported);
        const stored = asUtf8Stores(exported);
        expect(text).toMatch(/^CLAIMCHECK_FUZZ_EXPORTED<<ghadelimiter_[0-9a-f-]{36}\n/);
        expect(text.slice(text.indexOf('\n') + 1, text.lastIndexOf('\n', text.length - 2))).toBe(stored);
        expect(runnerEnvFile(text)).toEqual({ [NAME]: stored });
        expect(parseCommandFile(text)).toEqual({ [NAME]: harnessView(stored) });
      }),
      runs(300),
    );
  });
});
