// Regular expressions of rules files, matched in time linear in the value. A claim such as a
// fork's branch name is chosen by whoever opens the pull request, and V8's backtracking
// engine can spend hours on `(a+)+$` and fifty characters; here the pattern becomes an NFA
// whose set of live states advances one character at a time (Thompson's construction, run
// as a Pike VM without captures), so each character costs at most the program's size.
// The syntax is JavaScript's with the u flag, checked by RegExp first. Backreferences and
// lookaround cannot run that way and are refused; so are inline flags.

/** A rules-file regex: `source` as written; `test` matches the whole value. */
export interface LinearRegex {
  readonly source: string;
  test(value: string): boolean;
}

/** A pattern that is valid JavaScript but not what this engine runs; the message says why. */
export class RegexUnsupportedError extends Error {}

/** At most this many program steps once counted repeats are expanded (cost per character). */
export const MAX_PROGRAM_SIZE = 5000;
/** Groups nest at most this deep (the parser and compiler recurse on groups). */
export const MAX_GROUP_DEPTH = 50;

type CharTest = (char: string) => boolean;
type Assertion = 'start' | 'end' | 'boundary' | 'not-boundary';
type Node =
  | { readonly kind: 'char'; readonly test: CharTest }
  | { readonly kind: 'assert'; readonly at: Assertion }
  | { readonly kind: 'seq'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly options: readonly Node[] }
  | { readonly kind: 'repeat'; readonly item: Node; readonly min: number; readonly max: number };

type Instruction =
  | { readonly op: 'char'; readonly test: CharTest }
  | { readonly op: 'assert'; readonly at: Assertion }
  | { op: 'split'; readonly to: number; or: number }
  | { op: 'jump'; to: number }
  | { readonly op: 'match' };

const LINEAR = 'claimcheck matches regular expressions in linear time, without backtracking, which cannot do';

/** Compiles `source` for whole-value matching; throws SyntaxError or RegexUnsupportedError. */
export function compileLinearRegex(source: string): LinearRegex {
  new RegExp(source, 'u'); // the syntax check, with V8's own messages
  const parser = new Parser(Array.from(source));
  const tree = parser.disjunction(0);
  // A safety net: RegExp has refused an unmatched ")" already, so the parser always reaches the end.
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: unreachable for a pattern RegExp accepts
  if (parser.pos < parser.chars.length) throw new SyntaxError(`Unmatched ')'`);
  const size = programSize(tree);
  if (size > MAX_PROGRAM_SIZE) {
    throw new RegexUnsupportedError(`it expands to ${size > 1e6 ? 'over a million' : size} steps once its counted repeats {m,n} are written out, more than the ${MAX_PROGRAM_SIZE} that keep matching fast; use * or + instead of large counts`);
  }
  const program: Instruction[] = [];
  emit(tree, program);
  program.push({ op: 'match' });
  return { source, test: (value) => run(program, value) };
}

class Parser {
  pos = 0;
  readonly chars: readonly string[];

  constructor(chars: readonly string[]) {
    this.chars = chars;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private startsWith(text: string): boolean {
    return this.chars.slice(this.pos, this.pos + text.length).join('') === text;
  }

  disjunction(depth: number): Node {
    const options = [this.alternative(depth)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.alternative(depth));
    }
    return { kind: 'alt', options }; // one option is emitted and sized as itself
  }

  private alternative(depth: number): Node {
    const items: Node[] = [];
    while (this.pos < this.chars.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.term(depth));
    return { kind: 'seq', items };
  }

  private term(depth: number): Node {
    const char = this.peek();
    if (char === '^' || char === '$') {
      this.pos++;
      return { kind: 'assert', at: char === '^' ? 'start' : 'end' };
    }
    if (char === '\\' && (this.peek(1) === 'b' || this.peek(1) === 'B')) {
      this.pos += 2;
      return { kind: 'assert', at: this.peek(-1) === 'b' ? 'boundary' : 'not-boundary' };
    }
    return this.quantified(this.atom(depth));
  }

  private atom(depth: number): Node {
    const char = this.peek() as string;
    if (char === '(') return this.group(depth);
    if (char === '[') return { kind: 'char', test: this.delegated(this.classEnd()) };
    if (char === '.') {
      this.pos++;
      return { kind: 'char', test: notLineTerminator };
    }
    if (char === '\\') return this.escape();
    this.pos++;
    return literal(char);
  }

  private group(depth: number): Node {
    if (this.startsWith('(?=') || this.startsWith('(?!') || this.startsWith('(?<=') || this.startsWith('(?<!')) {
      throw new RegexUnsupportedError(`${LINEAR} lookahead or lookbehind ((?=…), (?!…), (?<=…), (?<!…)); write the pattern without them, or split it into several rules`);
    }
    if (depth >= MAX_GROUP_DEPTH) throw new RegexUnsupportedError(`its groups nest more than ${MAX_GROUP_DEPTH} deep`);
    if (this.startsWith('(?:')) this.pos += 3;
    else if (this.startsWith('(?<')) this.pos = this.chars.indexOf('>', this.pos) + 1; // a named group
    else if (this.peek(1) === '?') throw new RegexUnsupportedError('inline flags such as (?i:…) are not supported; spell the cases out, e.g. [Mm]ain');
    else this.pos++;
    const inner = this.disjunction(depth + 1);
    this.pos++; // the ")" that RegExp has already found
    return inner;
  }

  /** The end of the class that starts here: the first unescaped "]" (u mode has no nested classes). */
  private classEnd(): number {
    let end = this.pos + 1;
    while (this.chars[end] !== ']') end += this.chars[end] === '\\' ? 2 : 1;
    return end + 1;
  }

  private escape(): Node {
    const kind = this.peek(1) as string;
    if (/[1-9]/.test(kind) || kind === 'k') {
      throw new RegexUnsupportedError(`${LINEAR} backreferences (\\1, \\k<name>); repeat the group's pattern instead`);
    }
    if ('dDsSwW'.includes(kind)) return { kind: 'char', test: this.delegated(this.pos + 2) };
    if (kind === 'p' || kind === 'P') return { kind: 'char', test: this.delegated(this.chars.indexOf('}', this.pos) + 1) };
    if (kind === 'u' || kind === 'x' || kind === 'c') {
      const end = this.codeEscapeEnd(kind);
      return { kind: 'char', test: this.delegated(end) };
    }
    this.pos += 2;
    return literal(CONTROL_ESCAPES[kind] ?? kind);
  }

  /** Where \uXXXX (with a trail surrogate escape, which u mode joins to it), \u{…}, \xHH or \cX ends. */
  private codeEscapeEnd(kind: string): number {
    if (kind === 'x') return this.pos + 4;
    if (kind === 'c') return this.pos + 3;
    if (this.peek(2) === '{') return this.chars.indexOf('}', this.pos) + 1;
    const unit = Number.parseInt(this.chars.slice(this.pos + 2, this.pos + 6).join(''), 16);
    const next = this.chars.slice(this.pos + 6, this.pos + 12).join('');
    const trail = /\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(next); // next has six characters at most: the whole of it
    return unit >= 0xd800 && unit <= 0xdbff && trail ? this.pos + 12 : this.pos + 6;
  }

  /**
   * A test for one character by RegExp itself, for a class or an escape from here to `end`:
   * one character against a pattern without quantifiers cannot backtrack, and the meaning
   * of \p{…}, ranges and escapes stays exactly JavaScript's.
   */
  private delegated(end: number): CharTest {
    const text = this.chars.slice(this.pos, end).join('');
    this.pos = end;
    const single = new RegExp(`^${text}$`, 'u');
    return (char) => single.test(char);
  }

  private quantified(item: Node): Node {
    const char = this.peek();
    let min: number;
    let max: number;
    if (char === '*' || char === '+' || char === '?') {
      this.pos++;
      [min, max] = char === '*' ? [0, Infinity] : char === '+' ? [1, Infinity] : [0, 1];
    } else if (char === '{') {
      const close = this.chars.indexOf('}', this.pos);
      const [low, high] = this.chars.slice(this.pos + 1, close).join('').split(',');
      this.pos = close + 1;
      min = Number(low);
      max = high === undefined ? min : high === '' ? Infinity : Number(high);
    } else {
      return item;
    }
    if (this.peek() === '?') this.pos++; // lazy: the same values match, whole-value
    return { kind: 'repeat', item, min, max };
  }
}

const CONTROL_ESCAPES: Readonly<Record<string, string>> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' };

function literal(char: string): Node {
  return { kind: 'char', test: (other) => other === char };
}

function notLineTerminator(char: string): boolean {
  return char !== '\n' && char !== '\r' && char !== '\u2028' && char !== '\u2029';
}

function programSize(node: Node): number {
  switch (node.kind) {
    case 'char':
    case 'assert':
      return 1;
    case 'seq':
      return node.items.reduce((sum, item) => sum + programSize(item), 0);
    case 'alt':
      return node.options.reduce((sum, option) => sum + programSize(option), 0) + 2 * (node.options.length - 1);
    case 'repeat': {
      const item = programSize(node.item);
      // An empty item still costs a pass of the compiler per copy.
      return node.min * Math.max(item, 1) + (node.max === Infinity ? item + 2 : (node.max - node.min) * (item + 1));
    }
  }
}

function emit(node: Node, program: Instruction[]): void {
  switch (node.kind) {
    case 'char':
      program.push({ op: 'char', test: node.test });
      return;
    case 'assert':
      program.push({ op: 'assert', at: node.at });
      return;
    case 'seq':
      for (const item of node.items) emit(item, program);
      return;
    case 'alt':
      emitAlternation(node.options, program);
      return;
    case 'repeat':
      emitRepeat(node, program);
  }
}

function emitAlternation(options: readonly Node[], program: Instruction[]): void {
  const jumps: Array<{ op: 'jump'; to: number }> = [];
  options.forEach((option, index) => {
    if (index === options.length - 1) return emit(option, program);
    const split: Instruction = { op: 'split', to: program.length + 1, or: 0 }; // or: set once the option is emitted
    program.push(split);
    emit(option, program);
    const jump = { op: 'jump' as const, to: 0 }; // to: set once every option is emitted
    jumps.push(jump);
    program.push(jump);
    split.or = program.length;
  });
  for (const jump of jumps) jump.to = program.length;
}

function emitRepeat(node: Extract<Node, { kind: 'repeat' }>, program: Instruction[]): void {
  for (let i = 0; i < node.min; i++) emit(node.item, program);
  if (node.max === Infinity) {
    const loop = program.length;
    const split: Instruction = { op: 'split', to: loop + 1, or: 0 }; // or: set after the loop
    program.push(split);
    emit(node.item, program);
    program.push({ op: 'jump', to: loop });
    split.or = program.length;
    return;
  }
  // x{0,3} as x?x?x?, each optional copy skipping to the end: the same values match.
  const splits: Array<Extract<Instruction, { op: 'split' }>> = [];
  for (let i = node.min; i < node.max; i++) {
    const split: Extract<Instruction, { op: 'split' }> = { op: 'split', to: program.length + 1, or: 0 }; // or: the end, set below
    splits.push(split);
    program.push(split);
    emit(node.item, program);
  }
  for (const split of splits) split.or = program.length;
}

const WORD = /^[A-Za-z0-9_]$/;

/** Whether a character is a word character; outside the value there is none (String(undefined) is no one character). */
function isWord(char: string | undefined): boolean {
  return WORD.test(String(char));
}

/** Whole-value match: the set of live states advances one code point at a time. */
function run(program: readonly Instruction[], value: string): boolean {
  const chars = Array.from(value);
  const seenAt = new Int32Array(program.length).fill(-1);
  const holds = (at: Assertion, position: number): boolean => {
    if (at === 'start') return position === 0;
    if (at === 'end') return position === chars.length;
    const before = isWord(chars[position - 1]);
    const after = isWord(chars[position]);
    return (before !== after) === (at === 'boundary');
  };
  /** Adds the state at `start` and all it reaches without a character, at `position`. */
  const add = (states: number[], start: number, position: number): void => {
    const stack = [start];
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (seenAt[pc] === position) continue;
      seenAt[pc] = position;
      const instruction = program[pc] as Instruction;
      if (instruction.op === 'jump') stack.push(instruction.to);
      else if (instruction.op === 'split') stack.push(instruction.or, instruction.to);
      else if (instruction.op === 'assert') {
        if (holds(instruction.at, position)) stack.push(pc + 1);
      } else states.push(pc);
    }
  };
  let states: number[] = [];
  add(states, 0, 0);
  for (let position = 0; position < chars.length; position++) {
    const char = chars[position] as string;
    const next: number[] = [];
    for (const pc of states) {
      const instruction = program[pc] as Instruction;
      if (instruction.op === 'char' && instruction.test(char)) add(next, pc + 1, position + 1);
    }
    // Stryker disable next-line ConditionalExpression: equivalent: no live state stays none; this only stops early
    if (next.length === 0) return false;
    states = next;
  }
  return states.some((pc) => (program[pc] as Instruction).op === 'match');
}
