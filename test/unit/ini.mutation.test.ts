// Our sections in the AWS shared config and credentials files (src/core/text/ini.ts): which lines
// are our section's header, and where a new section goes. Properties: test/fuzz/ini.test.ts.
import { describe, expect, it } from 'vitest';
import { removeSection, upsertSection } from '../../src/core/text/ini.js';

const OTHER = '[default]\nregion = eu-west-1\n';

describe('ini sections', () => {
  it.each(['[claimcheck]', '  [claimcheck]  ', '[ claimcheck ]', '[claimcheck] # written by claimcheck', '[claimcheck]; note', '[claimcheck]#note', '[claimcheck]\t;  a longer note'])(
    'finds the header %j',
    (header) => {
      const text = `${OTHER}\n${header}\naws_access_key_id = OLD\n`;
      expect(removeSection(text, 'claimcheck')).toBe(OTHER);
      expect(upsertSection(text, 'claimcheck', [['aws_access_key_id', 'NEW']])).toBe(`${OTHER}\n[claimcheck]\naws_access_key_id = NEW\n`);
    },
  );

  it.each(['[claimcheck] junk', '[[claimcheck]', '[claimcheck]]', '# [claimcheck]'])('leaves %j alone: not our header', (line) => {
    const text = `${OTHER}${line}\nkey = value\n`;
    expect(removeSection(text, 'claimcheck')).toBe(text);
  });

  it('appends a new section after one blank line, and none at the start of an empty file', () => {
    const block = '[claimcheck]\nkey = value\n';
    expect(upsertSection('', 'claimcheck', [['key', 'value']])).toBe(block);
    expect(upsertSection(OTHER, 'claimcheck', [['key', 'value']])).toBe(`${OTHER}\n${block}`);
    expect(upsertSection(`${OTHER}\n`, 'claimcheck', [['key', 'value']])).toBe(`${OTHER}\n${block}`);
    expect(upsertSection(`\n${OTHER}`, 'claimcheck', [['key', 'value']])).toBe(`\n${OTHER}\n${block}`);
    // A last line of spaces is blank enough.
    expect(upsertSection(`${OTHER}  \n`, 'claimcheck', [['key', 'value']])).toBe(`${OTHER}  \n${block}`);
  });

  it('ends our section at the next header, keeping what follows', () => {
    const text = '[claimcheck]\nold = 1\n\n[other]\nkey = value\n';
    expect(upsertSection(text, 'claimcheck', [['new', '2']], 'by claimcheck')).toBe('[claimcheck]\n# by claimcheck\nnew = 2\n\n[other]\nkey = value\n');
    expect(removeSection(text, 'claimcheck')).toBe('[other]\nkey = value\n');
  });
});
