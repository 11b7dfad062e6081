// The credential_process line (src/core/text/command-line.ts), per OS, against the clients that
// read it: botocore's own split (compat_shell_split, used by boto3 and the AWS CLI) for POSIX
// and Windows, /bin/sh through child_process.exec as the AWS SDK for JavaScript runs it on
// POSIX, and on Windows a model of cmd.exe (what it would act on) and of the C runtime's split
// that the program then does; and the line as both INI readers (botocore's, the JS SDK's) read
// it back from a config file written by claimcheck's INI writer.
import { exec, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSharedConfigFiles } from '@smithy/core/config';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialProcessLine } from '../../src/core/text/command-line.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { upsertSection } from '../../src/core/text/ini.js';
import { runs } from '../fuzz/budget.ts';

const RUNNER_NODE = 'C:\\actions-runner\\externals\\node24\\bin\\node.exe';

function refusal(words: string[], platform: string): string {
  try {
    return `accepted: ${credentialProcessLine(words, platform)}`;
  } catch (error) {
    if (!(error instanceof ClaimcheckError)) throw error;
    expect(error.code).toBe('PROFILE_WRITE');
    return error.message;
  }
}

describe('the credential_process line on POSIX (Linux, macOS)', () => {
  it.each([
    [['/usr/bin/node', '/home/runner/work/_actions/claimcheck/v1/dist/main/index.js', 'credential-process', '/tmp/x/config.json'], "/usr/bin/node /home/runner/work/_actions/claimcheck/v1/dist/main/index.js credential-process /tmp/x/config.json"],
    [['/opt/my tools/node', '/a/b'], "'/opt/my tools/node' /a/b"],
    [['/usr/bin/node', "/home/o'brien/x"], "/usr/bin/node '/home/o'\\''brien/x'"],
    [['/usr/bin/node', '/a b/#1;2'], "/usr/bin/node '/a b/'\\#'1'\\;'2'"],
    [['/usr/bin/node', '$HOME/`x`/"q"/\\n/*?[a]/~/{a,b}|&<>()!'], "/usr/bin/node '$HOME/`x`/\"q\"/\\n/*?[a]/~/{a,b}|&<>()!'"],
    [['node', '~/x', ''], "'node' '~/x' ''"],
    [['FOO=/bin/node', 'a=b'], "'FOO=/bin/node' a=b"],
    [['/usr/bin/node', 'C:\\Users\\me'], "/usr/bin/node 'C:\\Users\\me'"],
  ])('%j is %s', (words, line) => {
    expect(credentialProcessLine(words, 'linux')).toBe(line);
    expect(credentialProcessLine(words, 'darwin')).toBe(line);
  });

  it('refuses only control characters', () => {
    expect(refusal(['/usr/bin/node', '/a\nb'], 'linux')).toBe('Cannot use "/a\\nb" in a credential_process command on POSIX: it has a control character.');
    expect(refusal(['/usr/bin/node', '/a\rb'], 'darwin')).toMatch(/it has a control character/);
    expect(refusal(['/usr/bin/node', '/a\tb'], 'linux')).toMatch(/it has a control character/);
  });
});

describe('the credential_process line on Windows', () => {
  it.each([
    [[RUNNER_NODE, 'D:\\a\\_actions\\claimcheck\\v1\\dist\\main\\index.js', 'credential-process', 'D:\\a\\_temp\\x\\config.json'], `${RUNNER_NODE} D:\\a\\_actions\\claimcheck\\v1\\dist\\main\\index.js credential-process D:\\a\\_temp\\x\\config.json`],
    [['C:\\Program Files\\nodejs\\node.exe', 'C:\\Users\\Jo Bloggs\\AppData\\Local\\x.js'], '"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\Jo Bloggs\\AppData\\Local\\x.js"'],
    [[RUNNER_NODE, 'C:\\R&D (new)\\a^b;c,d=e#f\'g'], `${RUNNER_NODE} "C:\\R&D (new)\\a^b;c,d=e#f'g"`],
    [[RUNNER_NODE, 'C:\\some folder\\', ''], `${RUNNER_NODE} "C:\\some folder\\\\" ""`],
    [[RUNNER_NODE, '\\\\server\\share\\x.js', 'C:/forward/slashes.js'], `${RUNNER_NODE} \\\\server\\share\\x.js C:/forward/slashes.js`],
  ])('%j is %s', (words, line) => {
    expect(credentialProcessLine(words, 'win32')).toBe(line);
  });

  it.each([
    ['C:\\a"b', 'it has a double quote'],
    ['C:\\100%\\x', 'it has % or !, which cmd.exe expands even inside quotes'],
    ['C:\\%PATH%', 'it has % or !, which cmd.exe expands even inside quotes'],
    ['C:\\wow!\\x', 'it has % or !, which cmd.exe expands even inside quotes'],
    ['C:\\Users\\Zoë\\x', 'it has a character outside ASCII, which botocore reads in the locale\'s code page'],
    ['C:\\take #2\\x', 'it has # or ; after a space, where the AWS SDK for JavaScript ends the line'],
    ['C:\\a ;b', 'it has # or ; after a space, where the AWS SDK for JavaScript ends the line'],
    ['C:\\a\tb', 'it has a control character'],
  ])('refuses %j: %s', (word, why) => {
    expect(refusal([RUNNER_NODE, word], 'win32')).toBe(`Cannot use ${JSON.stringify(word)} in a credential_process command on Windows: ${why}.`);
  });

  it('refuses a program path that ends with a backslash, which names a folder', () => {
    expect(refusal(['C:\\node dir\\', 'x'], 'win32')).toMatch(/a program path cannot end with a backslash/);
  });
});

// What each client makes of the line ---------------------------------------------------------

/** botocore from the python3 that runs Debian's AWS CLI (scripts/setup.sh installs it). */
const PYTHON = '/usr/bin/python3';
const hasBotocore = spawnSync(PYTHON, ['-c', 'import botocore.compat, botocore.configloader'], { stdio: 'ignore' }).status === 0;

const BOTOCORE = `
import json, sys
from botocore.compat import compat_shell_split
from botocore.configloader import raw_config_parse
request = json.load(sys.stdin)
def split(line, platform):
    try:
        return compat_shell_split(line, platform)
    except ValueError as error:
        return str(error)
json.dump({
    'splits': [split(line, platform) for line, platform in request['splits']],
    'configs': [raw_config_parse(path)['profile x']['credential_process'] for path in request['configs']],
}, sys.stdout)
`;

function botocore(splits: Array<[string, string]>, configs: string[]): { splits: Array<string[] | string>; configs: string[] } {
  const output = execFileSync(PYTHON, ['-c', BOTOCORE], { input: JSON.stringify({ splits, configs }), env: { PATH: '/usr/bin:/bin', PYTHONUTF8: '1' }, maxBuffer: 16 << 20 });
  return JSON.parse(output.toString('utf8')) as { splits: Array<string[] | string>; configs: string[] };
}

/** The argv the AWS SDK for JavaScript starts on POSIX: the line through /bin/sh, as exec runs it. */
async function shellArgv(words: string[]): Promise<string[]> {
  const line = credentialProcessLine(['/usr/bin/printf', '%s\\0', ...words, 'end'], 'linux');
  const { stdout } = await promisify(exec)(line, { env: { PATH: '/usr/bin:/bin' } });
  return stdout.split('\0').slice(0, -2);
}

/**
 * What a program built with Microsoft's C runtime gets from this command line: spaces and tabs
 * separate arguments outside quotes; 2n backslashes before a quote are n, and the quote opens
 * or closes a quoted part; 2n+1 are n and a literal quote; other backslashes are themselves;
 * `""` inside a quoted part is a literal quote. The program's own name (argv[0]) ends at the
 * next quote if it starts with one, else at whitespace, with no backslash rules.
 */
function windowsArgv(line: string): string[] {
  let at = 0;
  const program = line.startsWith('"') ? line.slice(1, (at = line.indexOf('"', 1) + 1) - 1) : line.slice(0, (at = line.search(/[ \t]|$/)));
  const argv = [program];
  let current: string | undefined;
  let quoted = false;
  while (at < line.length) {
    const char = line[at]!;
    if (char === '\\') {
      const run = /^\\+/.exec(line.slice(at))![0].length;
      if (line[at + run] === '"') {
        current = (current ?? '') + '\\'.repeat(Math.floor(run / 2));
        at += run;
        if (run % 2 === 1) {
          current += '"';
          at += 1;
        }
      } else {
        current = (current ?? '') + '\\'.repeat(run);
        at += run;
      }
    } else if (char === '"') {
      if (quoted && line[at + 1] === '"') {
        current = (current ?? '') + '"';
        at += 2;
      } else {
        quoted = !quoted;
        current ??= '';
        at += 1;
      }
    } else if ((char === ' ' || char === '\t') && !quoted) {
      if (current !== undefined) argv.push(current);
      current = undefined;
      at += 1;
    } else {
      current = (current ?? '') + char;
      at += 1;
    }
  }
  if (current !== undefined) argv.push(current);
  return argv;
}

/** What cmd.exe would act on in the line before passing it on: expansions and operators. */
function cmdHazards(line: string): string[] {
  const hazards: string[] = [];
  if (/[%!]/.test(line)) hazards.push('% or ! (expanded even inside quotes)');
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && '&|<>^()'.includes(char)) hazards.push(`${char} outside quotes`);
  }
  if (quoted) hazards.push('an unclosed quote');
  return hazards;
}

const INTERESTING = ['a', 'Z', '0', '_', '.', '-', '/', ':', '@', ',', '=', '+', ' ', ' ', "'", '"', '\\', '\\', '#', ';', '$', '`', '%', '!', '&', '^', '(', ')', '*', '?', '[', ']', '{', '}', '~', '|', '<', '>', 'é', '\t'];
const WORD = fc.array(fc.constantFrom(...INTERESTING), { maxLength: 10 }).map((chars) => chars.join(''));
const WORDS = fc.array(WORD, { minLength: 1, maxLength: 4 });

/** Whether Windows rules can carry the word: the spec, written out apart from the code. */
function windowsCanCarry(word: string): boolean {
  return /^[\x20-\x7e]*$/.test(word) && !/["%!]/.test(word) && !/\s[#;]/.test(word);
}

describe.skipIf(!hasBotocore)('what the clients make of the line', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-command-line-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Each line written to a config file as claimcheck writes it; the paths. */
  function configFiles(lines: string[]): string[] {
    return lines.map((line, index) => {
      const path = join(dir, `config-${index}`);
      writeFileSync(path, upsertSection('[default]\nregion = eu-west-1\n', 'profile x', [['region', 'eu-west-1'], ['credential_process', line]], 'written by claimcheck'));
      return path;
    });
  }

  async function jsSdkReads(path: string): Promise<string | undefined> {
    const { configFile } = await loadSharedConfigFiles({ filepath: join(dir, 'none'), configFilepath: path, ignoreCache: true });
    return configFile.x?.credential_process;
  }

  it('POSIX: sh (the JS SDK) and shlex (botocore, the AWS CLI) both run exactly the words; both INI readers read the line back', async () => {
    const samples = fc.sample(WORDS, runs(120)).map((words) => words.filter((word) => !word.includes('\t')));
    const lines = samples.map((words) => credentialProcessLine(['/usr/bin/node', ...words], 'linux'));
    const read = botocore(lines.map((line) => [line, 'linux']), configFiles(lines));
    for (const [index, words] of samples.entries()) {
      const line = lines[index]!;
      expect({ line, botocore: read.splits[index] }).toEqual({ line, botocore: ['/usr/bin/node', ...words] });
      expect({ line, sh: await shellArgv(words) }).toEqual({ line, sh: words });
      expect({ line, botocoreIni: read.configs[index], jsSdkIni: await jsSdkReads(configFiles([line])[0]!) }).toEqual({ line, botocoreIni: line, jsSdkIni: line });
    }
  });

  it('Windows: botocore\'s split and the C runtime\'s give the words, cmd.exe has nothing to act on, both INI readers read the line back; what cannot be carried is refused', async () => {
    const samples = fc.sample(WORDS, runs(200));
    const carried = samples.filter((words) => words.every(windowsCanCarry));
    for (const words of samples.filter((each) => !carried.includes(each))) {
      expect(refusal([RUNNER_NODE, ...words], 'win32')).toMatch(/^Cannot use .* on Windows: /);
    }
    const programs = ['C:\\Program Files\\nodejs\\node.exe', RUNNER_NODE];
    const argvs = carried.map((words, index) => [programs[index % 2]!, ...words]);
    const lines = argvs.map((argv) => credentialProcessLine(argv, 'win32'));
    const read = botocore(lines.map((line) => [line, 'win32']), configFiles(lines));
    for (const [index, argv] of argvs.entries()) {
      const line = lines[index]!;
      expect({ line, botocore: read.splits[index], crt: windowsArgv(line), cmd: cmdHazards(line) }).toEqual({ line, botocore: argv, crt: argv, cmd: [] });
      expect({ line, botocoreIni: read.configs[index], jsSdkIni: await jsSdkReads(configFiles([line])[0]!) }).toEqual({ line, botocoreIni: line, jsSdkIni: line });
    }
  });

  it('the models agree with botocore on lines written by hand', () => {
    const lines = ['"C:\\a b\\n.exe" x "y z" "tail\\\\" ""', 'C:\\n.exe a\\\\\\"b "c\\"d" e\\f'];
    const read = botocore(lines.map((line) => [line, 'win32']), []);
    expect(lines.map(windowsArgv)).toEqual(read.splits);
  });
});
