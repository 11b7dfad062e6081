// Lists the mutants the last `npm run mutate` left alive (reports/mutation/mutation.json), per
// file, with the line and the change, so that each can be judged: a behaviour to pin with a
// test, or a change no user could notice (message text, equivalent code).
// Usage: node scripts/mutation-survivors.mjs [path-fragment …]
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync('reports/mutation/mutation.json', 'utf8'));
const wanted = process.argv.slice(2);
for (const [file, { source, mutants }] of Object.entries(report.files).sort()) {
  if (wanted.length > 0 && !wanted.some((fragment) => file.includes(fragment))) continue;
  const alive = mutants.filter((mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage');
  if (alive.length === 0) continue;
  const lines = source.split('\n');
  console.log(`\n${file}: ${alive.length} alive`);
  for (const mutant of alive.sort((a, b) => a.location.start.line - b.location.start.line)) {
    const { start } = mutant.location;
    const original = (lines[start.line - 1] ?? '').trim().slice(0, 100);
    console.log(`  ${start.line}:${start.column} ${mutant.status === 'NoCoverage' ? 'no coverage' : 'survived'} ${mutant.mutatorName} → ${JSON.stringify(mutant.replacement ?? '').slice(0, 80)}\n      ${original}`);
  }
}
