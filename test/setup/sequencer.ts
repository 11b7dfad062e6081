// The order vitest starts test files in: the longest first, by the durations vitest kept from
// the last run (files it has no figure for count as long: a new file may be), then the larger
// file first. With two workers, a two-minute file started last would end the run alone; started
// first, the short ones fill the other worker meanwhile. Order decides only what starts when:
// every file sets up what it uses.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (spec: TestSpecification) => `${spec.project.name}:${relative(config.root, spec.moduleId)}`;
    const duration = (spec: TestSpecification) => cache.getFileTestResults(key(spec))?.duration ?? Number.POSITIVE_INFINITY;
    const size = (spec: TestSpecification) => cache.getFileStats(key(spec))?.size ?? 0;
    return [...files].sort((a, b) => duration(b) - duration(a) || size(b) - size(a) || a.moduleId.localeCompare(b.moduleId));
  }
}
