// Packs orb/src into one orb.yml, as `circleci orb pack` does (no CircleCI CLI here):
// @orb.yml is the root; each file in commands/, jobs/, executors/ and examples/ becomes an
// entry named after the file; a string that is exactly <<include(path)>> in a command, job
// or executor becomes that file's text with every `<<` escaped as `\<<`. Then the version
// and the bundle's digest replace their placeholders, pinning the orb to one release.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const COMPONENTS = ['commands', 'jobs', 'executors', 'examples'];
const INCLUDES_IN = new Set(['commands', 'jobs', 'executors']);
const INCLUDE = /^<<\s*include\(([^)]+)\)\s*>>$/;

function resolveIncludes(value, srcDir, included) {
  if (typeof value === 'string') {
    const match = INCLUDE.exec(value.trim());
    if (!match) return value;
    const name = match[1].trim();
    const path = join(srcDir, name);
    if (!existsSync(path)) throw new Error(`orb/src: ${value} names a file that does not exist`);
    return (included[name] ?? readFileSync(path, 'utf8')).replaceAll('<<', '\\<<');
  }
  if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, srcDir, included));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveIncludes(item, srcDir, included)]));
  }
  return value;
}

/**
 * The packed orb as YAML text. `included` gives the text to use for an included file instead
 * of reading it (the build passes the launcher minified: it is expanded at every use).
 */
export function packOrb(srcDir, { version, bundleDigest, included = {} }) {
  const orb = parse(readFileSync(join(srcDir, '@orb.yml'), 'utf8'));
  for (const component of COMPONENTS) {
    const dir = join(srcDir, component);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort();
    if (files.length === 0) continue;
    orb[component] = Object.fromEntries(
      files.map((file) => {
        const body = parse(readFileSync(join(dir, file), 'utf8'));
        return [file.replace(/\.ya?ml$/, ''), INCLUDES_IN.has(component) ? resolveIncludes(body, srcDir, included) : body];
      }),
    );
  }
  const text = `# Packed from orb/src by scripts/pack-orb.mjs. Do not edit: change orb/src and run npm run build.\n${stringify(orb, { lineWidth: 0, blockQuote: 'literal' })}`;
  return text.replaceAll('@@VERSION@@', version).replaceAll('@@BUNDLE_DIGEST@@', bundleDigest);
}
