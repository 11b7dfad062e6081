// Reading inputs strictly: every cloud's settings parser and the shared one read inputs the
// same way (defaults from action.yml, "required" enforced where the input is needed), and
// name the input, what it held and the accepted form when a value is refused.
import { ClaimcheckError } from '../errors.js';
import { parseBoolean, parseInteger, parseServiceUrl } from './input-values.js';
import { INPUTS, type InputName } from './inputs.generated.js';

/** Reads one input's raw text; undefined or empty means "not set". */
export type InputSource = (name: InputName) => string | undefined;

export interface InputReader {
  /** The input's trimmed text, else its default; fails when it is required and empty. */
  read(name: InputName): string;
  /** The input's text or default, undefined when both are empty. */
  optional(name: InputName): string | undefined;
  /** The input's text or default, failing with INPUT_REQUIRED when both are empty. */
  required(name: InputName, why?: string): string;
}

export function inputReader(source: InputSource): InputReader {
  const text = (name: InputName): string => {
    const raw = source(name)?.trim() ?? '';
    return raw === '' ? INPUTS[name].default : raw;
  };
  const required = (name: InputName, why?: string): string => {
    const value = text(name);
    if (value === '') throw missingInput(name, why);
    return value;
  };
  return {
    read: (name) => (INPUTS[name].required ? required(name) : text(name)),
    optional: (name) => text(name) || undefined,
    required,
  };
}

function missingInput(name: InputName, why: string | undefined): ClaimcheckError {
  return new ClaimcheckError(
    'INPUT_REQUIRED',
    `Input ${name} is required${why === undefined ? '' : ` ${why}`} but was not set.`,
    `Add "${name}:" to the step's inputs: ${INPUTS[name].description}`,
  );
}

export function mapOptional<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

export function invalid(name: string, value: string, expected: string): ClaimcheckError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ClaimcheckError('INPUT_INVALID', `Input ${name} is ${JSON.stringify(shown)}, which is not ${expected}.`, `Set ${name} to ${expected}.`);
}

export function integer(name: string, text: string, min: number, max: number, expected: string): number {
  const value = parseInteger(text, min, max);
  if (value === undefined) throw invalid(name, text, expected);
  return value;
}

export function boolean(name: string, text: string): boolean {
  const value = parseBoolean(text);
  if (value === undefined) throw invalid(name, text, 'true or false');
  return value;
}

export function parseUrlInput(name: string, text: string): string {
  const url = parseServiceUrl(text);
  if (!url) throw invalid(name, text, 'an https:// URL (http:// only for 127.0.0.1, localhost or [::1]) without query or credentials');
  return url;
}
