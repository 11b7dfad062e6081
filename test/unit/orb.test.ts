// The packed orb, checked without running it: CircleCI's published schema, the orb-tools
// review rules, parameters declared and used, the Action's inputs mirrored one for one,
// and the pin to this build's bundle.
import { createHash } from 'node:crypto';
import { launcherPins } from '../release/repo.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUTS, type InputName } from '../../src/core/config/inputs.generated.js';
import { GITHUB_ONLY_INPUTS, isBooleanInput, orbEnvironmentVariable, orbParameterName } from '../../src/core/config/orb-parameters.js';
import { loadOrb } from '../harness/circleci.ts';
import { REPO_ROOT } from '../harness/github.ts';

const orb = loadOrb();
const packedText = readFileSync(join(REPO_ROOT, 'orb/orb.yml'), 'utf8');
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'orb/schema/circleci-config.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

/** Every string in a value, with where it is. */
function strings(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`));
  return [];
}

describe('the packed orb', () => {
  it('validates against CircleCI\'s config schema, and so does every example', () => {
    expect(schemaErrors(parse(packedText))).toEqual([]);
    for (const [name, example] of Object.entries(orb.examples)) {
      expect([name, schemaErrors(example.usage)]).toEqual([name, []]);
    }
  });

  it('is pinned to this version and to every file of this build\'s CircleCI bundle', () => {
    const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
    const dir = join(REPO_ROOT, 'dist/circleci');
    const files = readdirSync(dir).sort();
    expect(files).toContain('index.js');
    const digest = sha256(files.map((name) => `${name}\0${sha256(readFileSync(join(dir, name)))}\n`).join(''));
    // The launcher goes into the orb minified: the version and digest are its string constants.
    expect(launcherPins(packedText)).toEqual({ version, digest });
    expect(packedText).not.toContain('@@');
  });

  it('meets the orb-tools review rules', () => {
    expect(orb.description.trim().length).toBeGreaterThanOrEqual(64);
    expect(Object.keys(orb.examples).length).toBeGreaterThanOrEqual(4);
    for (const dir of ['commands', 'examples', 'scripts']) {
      for (const file of readdirSync(join(REPO_ROOT, 'orb/src', dir))) expect(file).toMatch(/^[a-z0-9_]+\.[a-z]+$/);
    }
    for (const [name, command] of Object.entries(orb.commands)) {
      expect(name).toMatch(/^[a-z0-9_]+$/);
      expect(command.description.trim()).not.toBe('');
      for (const [parameter, spec] of Object.entries(command.parameters ?? {})) {
        expect(parameter).toMatch(/^[a-z0-9_]+$/);
        expect([parameter, spec.description?.trim()]).not.toEqual([parameter, undefined]);
      }
      for (const { run } of command.steps) expect(run.name?.trim()).toBeTruthy();
    }
    for (const example of Object.values(orb.examples)) {
      expect(example.description.trim()).not.toBe('');
      const reference = (example.usage as { orbs: Record<string, string> }).orbs.claimcheck;
      expect(reference).toBe(`claimcheck/claimcheck@${version}`);
    }
  });

  it('declares every parameter it uses, and uses every parameter it declares', () => {
    for (const [name, command] of Object.entries(orb.commands)) {
      const declared = Object.keys(command.parameters ?? {}).sort();
      const used = new Set(strings(command.steps).flatMap(([, text]) => [...text.matchAll(/<<\s*parameters\.([\w-]+)\s*>>/g)].map((match) => match[1])));
      expect([name, [...used].sort()]).toEqual([name, declared]);
    }
  });

  it('mirrors the Action\'s inputs one for one, with the same defaults', () => {
    const parameters = orb.commands.assume_role?.parameters ?? {};
    const environment = orb.commands.assume_role?.steps[0]?.run.environment ?? {};
    const mirrored = (Object.keys(INPUTS) as InputName[]).filter((input) => !GITHUB_ONLY_INPUTS.includes(input));
    expect(Object.keys(parameters).sort()).toEqual(mirrored.map(orbParameterName).sort());
    for (const input of mirrored) {
      const name = orbParameterName(input);
      const spec = parameters[name]!;
      const declared: string = INPUTS[input].default;
      const expected = input === 'issuer' ? '' : isBooleanInput(input) ? declared === 'true' : /^\d+$/.test(declared) ? Number(declared) : declared;
      expect([name, spec.type]).toEqual([name, isBooleanInput(input) ? 'boolean' : /^\d+$/.test(declared) ? 'integer' : 'string']);
      expect([name, spec.default]).toEqual([name, INPUTS[input].required ? undefined : expected]);
      expect([name, environment[orbEnvironmentVariable(input)]]).toEqual([name, `<<parameters.${name}>>`]);
    }
  });

  it('puts no parameter into shell text: they reach the script through environment entries', () => {
    for (const command of Object.values(orb.commands)) {
      for (const { run } of command.steps) expect(run.command).not.toMatch(/<<\s*parameters\./);
    }
  });

  it('keeps orb/src/@orb.yml and the command files parseable on their own', () => {
    for (const file of ['@orb.yml', 'commands/assume_role.yml', 'commands/cleanup.yml']) {
      expect(() => parse(readFileSync(join(REPO_ROOT, 'orb/src', file), 'utf8'))).not.toThrow();
    }
  });
});
