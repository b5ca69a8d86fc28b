import { describe, expect, it } from 'vitest';
import { textTools } from '../../../src/tools/builtin/text.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = textTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no text tool named ${name}`);
  }

  return found;
}

describe('text_diff', () => {
  it('diffs lines with a unified patch', async () => {
    const result = await runTool(tool('text_diff'), {
      original: 'a\nb\nc\n',
      modified: 'a\nB\nc\nd\n',
    });

    expect(result).toEqual({
      mode: 'line',
      identical: false,
      added: 2,
      removed: 1,
      changes: [
        { type: 'unchanged', value: 'a\n' },
        { type: 'removed', value: 'b\n' },
        { type: 'added', value: 'B\n' },
        { type: 'unchanged', value: 'c\n' },
        { type: 'added', value: 'd\n' },
      ],
      unified_diff: '--- original\n+++ modified\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n',
    });
  });

  it('diffs words', async () => {
    const result = await runTool(tool('text_diff'), {
      original: 'the quick brown fox',
      modified: 'the slow brown fox',
      mode: 'word',
    });

    expect(result.changes).toEqual([
      { type: 'unchanged', value: 'the ' },
      { type: 'removed', value: 'quick' },
      { type: 'added', value: 'slow' },
      { type: 'unchanged', value: ' brown fox' },
    ]);
    expect(result.added).toBe(1);
    expect(result.removed).toBe(1);
  });

  it('diffs characters of kitten and sitting', async () => {
    const result = await runTool(tool('text_diff'), {
      original: 'kitten',
      modified: 'sitting',
      mode: 'character',
    });

    // Levenshtein distance 3: k→s, e→i and an inserted g, which a diff shows as 3 additions and 2 removals.
    expect(result.added).toBe(3);
    expect(result.removed).toBe(2);
  });

  it('ignores case when asked', async () => {
    const result = await runTool(tool('text_diff'), {
      original: 'The Fox',
      modified: 'the fox',
      mode: 'word',
      ignore_case: true,
    });

    expect(result.identical).toBe(true);
  });

  it('names files and trims context', async () => {
    const original = 'one\ntwo\nthree\nfour\nfive\n';
    const modified = 'one\ntwo\nTHREE\nfour\nfive\n';
    const result = await runTool(tool('text_diff'), {
      original,
      modified,
      context_lines: 1,
      original_name: 'a/notes.txt',
      modified_name: 'b/notes.txt',
    });

    expect(result.unified_diff).toBe(
      '--- a/notes.txt\n+++ b/notes.txt\n@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n',
    );
  });

  it('rejects an unknown mode', async () => {
    await expect(
      runTool(tool('text_diff'), { original: 'a', modified: 'b', mode: 'sentence' }),
    ).rejects.toThrow('args.mode must be one of "line", "word", "character"');
  });
});

describe('word_count', () => {
  it('counts words, sentences and paragraphs', async () => {
    const text = "Hello, world! This is a test.\n\nSecond paragraph here? Yes. Don't stop.";
    const result = await runTool(tool('word_count'), { text });

    expect(result.words).toBe(12);
    expect(result.sentences).toBe(5);
    expect(result.paragraphs).toBe(2);
  });

  it('counts grapheme clusters as characters', async () => {
    // C, a, f, é, space, thumbs up with a skin tone, space, o, k: nine user-perceived characters.
    const result = await runTool(tool('word_count'), { text: 'Cafe\u0301 👍🏽 ok' });

    expect(result.characters).toBe(9);
    expect(result.characters_excluding_spaces).toBe(7);
  });

  it('estimates reading time at 238 wpm', async () => {
    const text = Array(476).fill('word').join(' ');
    const result = await runTool(tool('word_count'), { text });

    expect(result).toEqual({
      words: 476,
      characters: 476 * 5 - 1,
      characters_excluding_spaces: 476 * 4,
      sentences: 1,
      paragraphs: 1,
      words_per_minute: 238,
      reading_time_minutes: 2,
      reading_time_seconds: 120,
    });
  });

  it('uses a stated reading rate', async () => {
    const result = await runTool(tool('word_count'), {
      text: 'one two three',
      words_per_minute: 120,
    });

    expect(result.reading_time_seconds).toBe(2);
    expect(result.reading_time_minutes).toBe(0.03);
  });

  it('returns zeros for empty text', async () => {
    const result = await runTool(tool('word_count'), { text: '' });

    expect(result.words).toBe(0);
    expect(result.sentences).toBe(0);
    expect(result.paragraphs).toBe(0);
  });

  it('rejects a reading rate below 50', async () => {
    await expect(runTool(tool('word_count'), { text: 'a', words_per_minute: 10 })).rejects.toThrow(
      'args.words_per_minute must be >= 50',
    );
  });
});

describe('slugify', () => {
  it('transliterates and decamelizes', async () => {
    const result = await runTool(tool('slugify'), { text: 'Déjà Vu in Zürich & fooBar' });

    expect(result).toEqual({ slug: 'deja-vu-in-zuerich-and-foo-bar', length: 30 });
  });

  it('cuts at a separator within max_length', async () => {
    const result = await runTool(tool('slugify'), {
      text: 'Hello World Again',
      separator: '_',
      max_length: 12,
    });

    expect(result).toEqual({ slug: 'hello_world', length: 11 });
  });

  it('keeps case when asked', async () => {
    const result = await runTool(tool('slugify'), { text: 'Hello World', lowercase: false });

    expect(result.slug).toBe('Hello-World');
  });

  it('rejects text without letters', async () => {
    await expect(runTool(tool('slugify'), { text: '!!!' })).rejects.toThrow(
      'text has no letters or digits to build a slug from',
    );
  });
});

describe('text_case_convert', () => {
  const cases: [string, string][] = [
    ['camel', 'xmlHttpRequestVersion_2'],
    ['capital', 'Xml Http Request Version 2'],
    ['constant', 'XML_HTTP_REQUEST_VERSION_2'],
    ['dot', 'xml.http.request.version.2'],
    ['kebab', 'xml-http-request-version-2'],
    ['no', 'xml http request version 2'],
    ['pascal', 'XmlHttpRequestVersion_2'],
    ['pascal_snake', 'Xml_Http_Request_Version_2'],
    ['path', 'xml/http/request/version/2'],
    ['sentence', 'Xml http request version 2'],
    ['snake', 'xml_http_request_version_2'],
    ['train', 'Xml-Http-Request-Version-2'],
  ];

  for (const [target, expected] of cases) {
    it(`converts to ${target} case`, async () => {
      const result = await runTool(tool('text_case_convert'), {
        text: 'XMLHttpRequest version 2',
        to: target,
      });

      expect(result).toEqual({ case: target, result: expected });
    });
  }

  it('rejects an unknown case', async () => {
    await expect(runTool(tool('text_case_convert'), { text: 'x', to: 'upper' })).rejects.toThrow(
      'args.to must be one of',
    );
  });
});
