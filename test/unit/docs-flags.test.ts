// The docs name only flags and inputs that exist. In the README and every guide, every --flag of
// a `claimcheck <command> …` they show (in code blocks and in inline code) is a flag of that
// command, as the CLI parses it; every kebab-case name in backticks is an input or output of
// action.yml, a CLI command, or one of the few other names listed here with what they are;
// and every claimcheck step of a workflow they show gives only inputs action.yml declares.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Nodes } from 'mdast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/cli/main.js';
import { REPO_ROOT } from '../harness/github.ts';
import { joinContinuations } from '../harness/doc-snippets.ts';
import { parseGfm } from '../harness/markdown.ts';

const FILES = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const action = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };

/** Kebab-case names in backticks that are neither inputs, outputs nor commands: what each is. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  'claimcheck-audit': 'the prefix of the audit line in the log',
  'python3-boto3': 'a Debian package',
  'python3-google-auth': 'a Debian package',
  'names-only': "a verdict of claimcheck audit",
  'cannot-verify': "a verdict of claimcheck audit and trust-policy --check",
  'client-id': "azure/login's input",
  'tenant-id': "azure/login's input",
  'subscription-id': "azure/login's input",
  'allow-no-subscriptions': "azure/login's input",
  'create-oidc': 'a gcloud command (workload-identity-pools providers create-oidc)',
  'add-iam-policy-binding': 'a gcloud command',
  'add-mask': "a GitHub workflow command (::add-mask::)",
  'pre-exit': "a Buildkite agent hook",
  'after-script': "Bitbucket Pipelines' step key",
  'project-id': 'a CircleCI claim, oidc.circleci.com/project-id',
  'context-ids': 'a CircleCI claim, oidc.circleci.com/context-ids',
  'vcs-origin': 'a CircleCI claim, oidc.circleci.com/vcs-origin',
  'vcs-ref': 'a CircleCI claim, oidc.circleci.com/vcs-ref',
  'session-policy': "a rules file's role-chain hop key",
  'role-external-id': "aws-actions/configure-aws-credentials' input, in the migration table",
};

interface Code {
  readonly file: string;
  readonly text: string;
  readonly inline: boolean;
  readonly lang: string;
}

function codeOf(file: string): Code[] {
  const found: Code[] = [];
  const visit = (node: Nodes): void => {
    if (node.type === 'inlineCode') found.push({ file, text: node.value, inline: true, lang: '' });
    if (node.type === 'code') found.push({ file, text: node.value, inline: false, lang: node.lang ?? '' });
    if ('children' in node) node.children.forEach(visit);
  };
  visit(parseGfm(readFileSync(join(REPO_ROOT, file), 'utf8')));
  return found;
}

const codes = FILES.flatMap(codeOf);

/** Each `claimcheck <command> …` in a text, up to where the shell would end it. */
function commandsIn(text: string): Array<{ command: string; args: string }> {
  return joinContinuations(text)
    .split('\n')
    // `claimcheck` as the command run, not a folder of that name (git -C claimcheck, …/claimcheck/…).
    .flatMap((line) => [...line.matchAll(/(?<![-\w/."'$]|-C )claimcheck\s+([a-z][\w-]*)((?:(?!&&|\|\||\s\|\s|;|\)|`).)*)/g)])
    .map((match) => ({ command: match[1] as string, args: match[2] as string }));
}

describe('the docs\' claimcheck commands', () => {
  const shown = codes.flatMap((code) => commandsIn(code.text).map((found) => ({ ...found, file: code.file })));

  it('are found: every command is shown somewhere', () => {
    expect(new Set(shown.map((found) => found.command))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    for (const command of ['assume', 'explain', 'trust-policy', 'cleanup']) expect([command, shown.some((found) => found.command === command)]).toEqual([command, true]);
  });

  it('use only flags the command has', async () => {
    // Each command's flags load with its code.
    const flagsOf = new Map(await Promise.all(Object.entries(COMMANDS).map(async ([name, command]) => [name, (await command.load()).flags] as const)));
    const wrong = shown.flatMap(({ file, command, args }) => {
      const flags = flagsOf.get(command);
      const given = [...args.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((match) => match[1] as string);
      if (!flags) return given.length > 0 ? [`${file}: claimcheck ${command} is no command (with ${given.map((flag) => `--${flag}`).join(' ')})`] : [];
      return given.filter((flag) => !(flag in flags) && flag !== 'help').map((flag) => `${file}: claimcheck ${command} has no --${flag}`);
    });
    expect(wrong).toEqual([]);
  });

  it('give assume the issuer and the audience, unless a platform preset fills them in', () => {
    const incomplete = shown
      .filter(({ command, args }) => command === 'assume' && /--role-to-assume/.test(args) && !/--platform\s/.test(args) && !(/--issuer\s/.test(args) && /--audience\s/.test(args)))
      .map(({ file, args }) => `${file}: claimcheck assume${args}`);
    expect(incomplete).toEqual([]);
  });
});

describe('names in backticks', () => {
  it('that look like inputs are inputs or outputs of action.yml, commands, or a name listed with what it is', () => {
    const known = new Set([...Object.keys(action.inputs), ...Object.keys(action.outputs), ...Object.keys(COMMANDS), ...Object.keys(OTHER_NAMES)]);
    const unknown = codes.filter((code) => code.inline && /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(code.text) && !known.has(code.text)).map((code) => `${code.file}: \`${code.text}\``);
    expect(unknown).toEqual([]);
  });

  it('every claimcheck step of a workflow shown gives only inputs action.yml declares', () => {
    const steps = codes
      .filter((code) => !code.inline && code.lang === 'yaml' && code.text.includes('uses: claimcheck/claimcheck@'))
      .flatMap((code) => {
        const jobs = (parse(code.text) as { jobs?: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }> }).jobs ?? {};
        return Object.values(jobs).flatMap((job) => (job.steps ?? []).filter((step) => step.uses?.startsWith('claimcheck/claimcheck@')).map((step) => ({ file: code.file, step })));
      });
    expect(steps.length).toBeGreaterThanOrEqual(2);
    const wrong = steps.flatMap(({ file, step }) => Object.keys(step.with ?? {}).filter((name) => !(name in action.inputs)).map((name) => `${file}: ${name}`));
    expect(wrong).toEqual([]);
  });

  it('would see a flag the command lacks', async () => {
    expect(commandsIn('creds="$(claimcheck assume --token-file t --bogus x)" && eval "$creds"')).toEqual([{ command: 'assume', args: ' --token-file t --bogus x' }]);
    const flags = (await COMMANDS.assume?.load())?.flags ?? {};
    expect('token-file' in flags).toBe(true);
    expect('bogus' in flags).toBe(false);
  });
});
