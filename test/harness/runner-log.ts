// How the GitHub runner reads a step's output, ported from actions/runner (src/Runner.Sdk/
// ProcessInvoker.cs, src/Runner.Worker/Handlers/OutputManager.cs, src/Runner.Common/
// ActionCommand.cs, src/Runner.Worker/ActionCommandManager.cs): which lines it runs as
// workflow commands, what it masks from then on, and what it shows in the job's log.
//
// Kept from the runner:
// - Lines end at CR, LF or CR LF (StreamReader.ReadLine); U+2028, U+2029 and U+0085 do not.
// - `::name props::data` is a command when it starts the line after leading whitespace
//   (String.TrimStart: Unicode white space); `##[name props]data` anywhere in the line.
//   The first syntax is tried first; either one only for a registered command name (any case).
// - `stop-commands` makes every later command plain text until `::<token>::` (the token
//   registered as a command for that time); `add-mask` masks its value (and each of its
//   lines) in every line shown after it.
// Not ported: the runner searches for `##[` and `::` with the culture-aware String.IndexOf,
// which skips characters such as U+00AD; claimcheck escapes every format and control
// character, and a match with such a character inside never yields a command name (the name
// is read three characters after the match start), so the ordinal search here is the same.

/** Commands the runner knows (its IActionCommandExtension implementations, plus stop-commands). */
export const RUNNER_COMMANDS = ['stop-commands', 'set-env', 'set-output', 'save-state', 'add-mask', 'add-path', 'add-matcher', 'remove-matcher', 'debug', 'warning', 'error', 'notice', 'group', 'endgroup', 'echo'];

export interface RunnerCommand {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly data: string;
  readonly syntax: 'v2' | 'legacy';
  /** The line it came from, unmasked. */
  readonly line: string;
}

export interface RunnerView {
  /** Commands the runner processed, in order. */
  readonly commands: RunnerCommand[];
  /** The job log as people see it: every line masked with the masks known when it was written. */
  readonly shown: string[];
  readonly masks: string[];
}

/** StreamReader.ReadLine: lines end at "\r", "\n" or "\r\n"; a last line without an ending counts. */
export function runnerLines(stream: string): string[] {
  const lines = stream.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const unescape = (text: string, mappings: ReadonlyArray<readonly [string, string]>) => mappings.reduce((value, [token, escaped]) => value.replaceAll(escaped, token), text);
const V2_DATA: ReadonlyArray<readonly [string, string]> = [['\r', '%0D'], ['\n', '%0A'], ['%', '%25']];
const V2_PROPERTY: ReadonlyArray<readonly [string, string]> = [['\r', '%0D'], ['\n', '%0A'], [':', '%3A'], [',', '%2C'], ['%', '%25']];
const LEGACY: ReadonlyArray<readonly [string, string]> = [[';', '%3B'], ['\r', '%0D'], ['\n', '%0A'], [']', '%5D'], ['%', '%25']];

function properties(text: string, separator: string, mappings: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of text.split(separator).filter(Boolean)) {
    const equals = pair.indexOf('=');
    if (equals > 0 && equals < pair.length - 1) result[pair.slice(0, equals)] = unescape(pair.slice(equals + 1), mappings);
  }
  return result;
}

function known(name: string, registered: ReadonlySet<string>): boolean {
  return registered.has(name.toLowerCase());
}

/** What String.TrimStart() removes: Char.IsWhiteSpace. */
const DOTNET_WHITE_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** ActionCommand.TryParseV2. */
export function parseV2(line: string, registered: ReadonlySet<string>): RunnerCommand | undefined {
  const message = line.replace(DOTNET_WHITE_SPACE, '');
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!known(name, registered)) return undefined;
  const props = space > 0 ? properties(info.slice(space + 1).trim(), ',', V2_PROPERTY) : {};
  return { name, properties: props, data: unescape(message.slice(end + 2), V2_DATA), syntax: 'v2', line };
}

/** ActionCommand.TryParse (the legacy `##[name props]data`, found anywhere in the line). */
export function parseLegacy(line: string, registered: ReadonlySet<string>): RunnerCommand | undefined {
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const bracket = line.indexOf(']', prefix);
  if (bracket < 0) return undefined;
  const info = line.slice(prefix + 3, bracket);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!known(name, registered)) return undefined;
  const props = space > 0 ? properties(info.slice(space + 1), ';', LEGACY) : {};
  return { name, properties: props, data: unescape(line.slice(bracket + 1), LEGACY), syntax: 'legacy', line };
}

function masked(line: string, masks: readonly string[]): string {
  return [...masks].sort((a, b) => b.length - a.length).reduce((text, secret) => text.split(secret).join('***'), line);
}

/** The runner reading a step's stdout (and stderr, read the same way). */
export function readAsRunner(stream: string): RunnerView {
  const registered = new Set(RUNNER_COMMANDS);
  const view = { commands: [] as RunnerCommand[], shown: [] as string[], masks: [] as string[] };
  let stopToken: string | undefined;
  const show = (line: string) => view.shown.push(masked(line, view.masks));
  for (const line of runnerLines(stream)) {
    const command = line.includes('##[') || line.includes('::') ? (parseV2(line, registered) ?? parseLegacy(line, registered)) : undefined;
    if (!command || (stopToken !== undefined && command.name.toLowerCase() !== stopToken.toLowerCase())) {
      show(line);
      continue;
    }
    view.commands.push(command);
    if (stopToken !== undefined) {
      registered.delete(stopToken.toLowerCase());
      stopToken = undefined;
      show(line);
    } else if (command.name.toLowerCase() === 'stop-commands') {
      // ValidateStopToken: an empty token, a command's name or pause-logging fails the command.
      if (command.data === '' || registered.has(command.data.toLowerCase()) || command.data.toLowerCase() === 'pause-logging') continue;
      stopToken = command.data;
      registered.add(stopToken.toLowerCase());
      if (stopToken.length > 6) view.masks.push(stopToken);
      show(line);
    } else if (command.name.toLowerCase() === 'add-mask') {
      if (command.data.trim() !== '') view.masks.push(command.data, ...command.data.split(/[\r\n]/).map((part) => part.trim()).filter(Boolean));
    } else if (['error', 'warning', 'notice'].includes(command.name.toLowerCase())) {
      // The annotation's message goes to the log after its tag, one line per line.
      runnerLines(`##[${command.name.toLowerCase()}]${command.data}`).forEach(show);
    }
  }
  return view;
}
