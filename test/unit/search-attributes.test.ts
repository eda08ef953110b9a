import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';

const typeNames: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

describe('search attributes', () => {
  it('are registered by hack/stack.sh exactly as workflows/definitions.ts defines them', () => {
    const script = readFileSync(join(__dirname, '../../hack/stack.sh'), 'utf8');
    const line = /^SEARCH_ATTRIBUTES=\((.*)\)$/m.exec(script);
    expect(line).not.toBeNull();
    const registered = line![1]!.split(/\s+/).sort();
    const defined = SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeNames[key.type]}`).sort();
    expect(registered).toEqual(defined);
  });

  it('stay within the dev server SQLite limit of 10 Keyword attributes', () => {
    expect(SEARCH_ATTRIBUTES.filter((key) => key.type === 'KEYWORD').length).toBeLessThanOrEqual(10);
  });
});
