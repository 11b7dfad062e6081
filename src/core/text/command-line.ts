// The credential_process line of a renewing profile: one string in the shared config file that
// every client must turn into the same argv. How each reads it:
// - botocore and the AWS CLI (botocore.compat.compat_shell_split) split it with shlex.split in
//   POSIX mode, or on Windows with their own copy of the C runtime's rules (spaces and tabs
//   separate, double quotes group, backslashes count only before a quote), and start the argv
//   without a shell.
// - The AWS SDK for JavaScript v3 (credential-provider-process) hands it to child_process.exec:
//   /bin/sh -c on POSIX; on Windows `cmd.exe /d /s /c "<line>"`, which expands %NAME% (and
//   !NAME! where delayed expansion is on) even inside quotes, reads & | < > ^ ( ) outside
//   them, and passes the line on to the program, whose C runtime splits it.
// - Both read the line from an INI file: botocore with Python's configparser (on Windows in the
//   locale's code page, not UTF-8), the JS SDK with a reader that ends the line at a # or ;
//   that follows whitespace.
// So: on POSIX each word is bare or in single quotes (the same for sh and shlex), with ', #
// and ; written as \', \# and \; outside the quotes; on Windows each word is bare or in
// double quotes, and what no quoting makes safe for all three is refused.
import { ClaimcheckError } from '../errors.js';
import { quoted } from './inert-text.js';

const CONTROL = /[\p{Cc}\p{Cs}]/u;
const POSIX_BARE = /^[\w@%+=:,./-]+$/;
/** A first word sh reads as a command name and nothing else: an absolute or relative path. */
const POSIX_BARE_COMMAND = /^\.{0,2}\/[\w@%+=:,./-]*$/;
const WINDOWS_BARE = /^[\w.:\\/-]+$/;

function refuse(word: string, platform: string, why: string, hint: string): ClaimcheckError {
  return new ClaimcheckError('PROFILE_WRITE', `Cannot use ${quoted(word)} in a credential_process command on ${platform}: ${why}.`, hint);
}

const MOVE_HINT = 'Run claimcheck (and Node) from a path without it, and keep its renewal folder (the home or runner temp folder) in such a path too.';

function posixWord(word: string, first: boolean): string {
  if (CONTROL.test(word)) throw refuse(word, 'POSIX', 'it has a control character', MOVE_HINT);
  if (first ? POSIX_BARE_COMMAND.test(word) : POSIX_BARE.test(word)) return word;
  // Quotes around the runs between ', # and ;, which are written escaped outside them (split
  // with a capture group: the odd items are those characters).
  return word === '' ? "''" : word.split(/(['#;])/).map((part, index) => (index % 2 === 1 ? `\\${part}` : part === '' ? '' : `'${part}'`)).join('');
}

/** Why cmd.exe, the C runtime, botocore's split and both INI readers cannot agree on `word`; undefined if they can. */
function windowsProblem(word: string, first: boolean): string | undefined {
  if (CONTROL.test(word)) return 'it has a control character';
  if (/[^\x20-\x7e]/.test(word)) return 'it has a character outside ASCII, which botocore reads in the locale\'s code page';
  if (word.includes('"')) return 'it has a double quote';
  if (/[%!]/.test(word)) return 'it has % or !, which cmd.exe expands even inside quotes';
  if (/\s[#;]/.test(word)) return 'it has # or ; after a space, where the AWS SDK for JavaScript ends the line';
  if (first && word.endsWith('\\')) return 'a program path cannot end with a backslash';
  return undefined;
}

function windowsWord(word: string, first: boolean): string {
  const problem = windowsProblem(word, first);
  if (problem) throw refuse(word, 'Windows', problem, MOVE_HINT);
  if (WINDOWS_BARE.test(word)) return word;
  // Backslashes before the closing quote are doubled, so that they stay backslashes.
  return `"${word.replace(/(\\+)$/, '$1$1')}"`;
}

/**
 * The credential_process line that botocore, the AWS CLI and the AWS SDK for JavaScript all
 * run as `words` on `platform` (a Node platform name: win32 is Windows, any other POSIX).
 */
export function credentialProcessLine(words: readonly string[], platform: string): string {
  const quote = platform === 'win32' ? windowsWord : posixWord;
  return words.map((word, index) => quote(word, index === 0)).join(' ');
}
