// The build: files derived from action.yml and package.json, then tsc → build/ and ncc →
// dist/, then the orb packed from orb/src with the CircleCI bundle's SHA-256. `--check`
// builds into a temporary folder and fails if anything committed differs (CI runs it
// through the tests), so dist/ and orb/orb.yml are always the build of the sources.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { minify } from 'terser';
import { parse } from 'yaml';
import { packOrb } from './pack-orb.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const BUNDLES = ['main', 'post', 'circleci', 'cli'];

function inputsModule(action) {
  const entries = Object.entries(action.inputs).map(([name, spec]) => {
    const fields = [
      `required: ${spec.required === true}`,
      `default: ${JSON.stringify(String(spec.default ?? ''))}`,
      `description: ${JSON.stringify(spec.description.trim())}`,
    ];
    return `  ${JSON.stringify(name)}: { ${fields.join(', ')} },`;
  });
  return [
    '// Generated from action.yml by scripts/build.mjs. Do not edit: change action.yml.',
    'export const INPUTS = {',
    ...entries,
    '} as const;',
    '',
    'export type InputName = keyof typeof INPUTS;',
    '',
  ].join('\n');
}

const cell = (text) => String(text).trim().replace(/\s+/g, ' ').replace(/\|/g, '\\|');

function inputsTable(action) {
  const rows = Object.entries(action.inputs).map(([name, spec]) => {
    const value = spec.required ? '**required**' : spec.default === '' ? '' : `\`${spec.default}\``;
    return `| \`${name}\` | ${value} | ${cell(spec.description)} |`;
  });
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}

function outputsTable(action) {
  const rows = Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`);
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

function orbParametersTable() {
  const command = parse(readFileSync(join(root, 'orb', 'src', 'commands', 'assume_role.yml'), 'utf8'));
  const rows = Object.entries(command.parameters).map(([name, spec]) => {
    const value = spec.default === undefined ? '**required**' : spec.default === '' ? '' : `\`${spec.default}\``;
    return `| \`${name}\` | ${spec.type} | ${value} | ${cell(spec.description)} |`;
  });
  return ['| Parameter | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function replaceBetween(text, path, marker, body) {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path} lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** The docs that carry generated tables: path → { marker: table }. */
function generatedTables(action) {
  return {
    'docs/github-actions.md': { inputs: inputsTable(action), outputs: outputsTable(action) },
    'docs/circleci.md': { 'orb-parameters': orbParametersTable() },
  };
}

/** Files derived from action.yml and package.json: path → content. */
function derivedFiles() {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const docs = Object.entries(generatedTables(action)).map(([path, tables]) => [
    path,
    Object.entries(tables).reduce((text, [marker, table]) => replaceBetween(text, path, marker, table), readFileSync(join(root, path), 'utf8')),
  ]);
  return {
    'src/core/config/inputs.generated.ts': inputsModule(action),
    'src/core/version.generated.ts': `// Generated from package.json by scripts/build.mjs. Do not edit.\nexport const VERSION = ${JSON.stringify(version)};\n`,
    ...Object.fromEntries(docs),
  };
}

/**
 * ncc minifies each entry file but writes the chunks of dynamic imports (the AWS SDK, yaml)
 * as they are; they get the same terser settings ncc uses for the entry.
 */
async function minifyChunks(bundleDir) {
  for (const name of readdirSync(bundleDir).filter((file) => /^\d+\.index\.js$/.test(file))) {
    const path = join(bundleDir, name);
    const result = await minify(readFileSync(path, 'utf8'), { module: true, compress: false, mangle: { keep_classnames: true, keep_fnames: true } });
    if (result.code === undefined) throw new Error(`terser produced nothing for ${path}`);
    writeFileSync(path, result.code);
  }
}

async function compile(distDir) {
  // Inside the repository, so that ncc resolves node_modules and package.json's module type,
  // and always the same path: ncc derives module ids from it, and the bundle must not vary.
  const buildDir = join(root, 'build', 'tsc');
  rmSync(buildDir, { recursive: true, force: true });
  try {
    execFileSync(bin('tsc'), ['-p', join(root, 'tsconfig.json'), '--outDir', buildDir], { stdio: 'inherit' });
    for (const name of BUNDLES) {
      execFileSync(bin('ncc'), ['build', join(buildDir, `${name}.js`), '-o', join(distDir, name), '--minify', '--quiet'], { stdio: 'inherit' });
      await minifyChunks(join(distDir, name));
    }
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
}

function listFiles(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

function differences(expectedDir, actualDir) {
  const expected = listFiles(expectedDir);
  const actual = new Set(listFiles(actualDir));
  const stale = expected.filter((file) => !actual.has(file) || !readFileSync(join(expectedDir, file)).equals(readFileSync(join(actualDir, file))));
  const extra = [...actual].filter((file) => !expected.includes(file));
  return [...stale, ...extra];
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** What the orb's launcher checks: SHA-256 over each bundle file's name and SHA-256, in name order. */
function bundleDigest(dir) {
  const lines = listFiles(dir).sort().map((name) => `${name}\0${sha256(readFileSync(join(dir, name)))}\n`);
  return sha256(lines.join(''));
}

// The launcher is expanded into the compiled config at every use of a command (CircleCI caps a
// compiled config at 8 MB): it goes into the orb minified, its readable source stays in orb/src.
const LAUNCHER = 'scripts/launch.mjs';
const minifiedLauncher = (
  await minify(readFileSync(join(root, 'orb', 'src', LAUNCHER), 'utf8'), { module: true, compress: { passes: 2 }, mangle: { reserved: ['VERSION', 'DIGEST'] }, format: { comments: false } })
).code;

function packedOrb(distDir) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return packOrb(join(root, 'orb', 'src'), { version, bundleDigest: bundleDigest(join(distDir, 'circleci')), included: { [LAUNCHER]: minifiedLauncher } });
}

const ORB = 'orb/orb.yml';

// What a build reads and writes, hashed: when a check passed with the same inputs and the same
// dist/ and orb (the build is deterministic), another check would find the same. A clone has no
// record, so CI always builds; --full builds anyway.
const CHECK_RECORD = join(root, 'node_modules', '.cache', 'claimcheck', 'build-check');
const CHECKED_PATHS = ['src', 'orb/src', 'dist', ORB, 'action.yml', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/pack-orb.mjs', 'node_modules/.package-lock.json'];

function buildKey() {
  const hash = createHash('sha256').update(`${process.version}\n`);
  for (const path of CHECKED_PATHS) {
    const full = join(root, path);
    const files = !existsSync(full) ? [] : statSync(full).isDirectory() ? listFiles(full).sort().map((file) => `${path}/${file}`) : [path];
    for (const file of files) hash.update(`${file}\0${sha256(readFileSync(join(root, file)))}\n`);
  }
  return hash.digest('hex');
}

const derived = derivedFiles();
if (check) {
  const stale = Object.entries(derived).filter(([path, content]) => readFileSync(join(root, path), 'utf8') !== content).map(([path]) => path);
  const key = buildKey();
  const checkedBefore = !process.argv.includes('--full') && stale.length === 0 && existsSync(CHECK_RECORD) && readFileSync(CHECK_RECORD, 'utf8') === key;
  if (!checkedBefore) {
    // Compile from the committed sources: a stale generated file is already reported above.
    const distDir = mkdtempSync(join(tmpdir(), 'claimcheck-dist-'));
    try {
      await compile(distDir);
      stale.push(...differences(distDir, join(root, 'dist')).map((file) => `dist/${file}`));
      if (!existsSync(join(root, ORB)) || readFileSync(join(root, ORB), 'utf8') !== packedOrb(distDir)) stale.push(ORB);
    } finally {
      rmSync(distDir, { recursive: true, force: true });
    }
  }
  if (stale.length > 0) {
    rmSync(CHECK_RECORD, { force: true });
    console.error(`Stale build output (run npm run build and commit): ${stale.join(', ')}`);
    process.exit(1);
  }
  mkdirSync(dirname(CHECK_RECORD), { recursive: true });
  writeFileSync(CHECK_RECORD, key);
  console.log(checkedBefore
    ? 'dist/, orb/orb.yml and the generated files match a fresh build (checked before with these very sources and outputs; --full builds again).'
    : 'dist/, orb/orb.yml and the generated files match a fresh build.');
} else {
  for (const [path, content] of Object.entries(derived)) writeFileSync(join(root, path), content);
  for (const name of BUNDLES) rmSync(join(root, 'dist', name), { recursive: true, force: true });
  await compile(join(root, 'dist'));
  writeFileSync(join(root, ORB), packedOrb(join(root, 'dist')));
}
