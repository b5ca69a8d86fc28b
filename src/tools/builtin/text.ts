import slugify from '@sindresorhus/slugify';
import {
  camelCase,
  capitalCase,
  constantCase,
  dotCase,
  kebabCase,
  noCase,
  pascalCase,
  pascalSnakeCase,
  pathCase,
  sentenceCase,
  snakeCase,
  trainCase,
} from 'change-case';
import {
  createTwoFilesPatch,
  diffChars,
  diffLines,
  diffWords,
  FILE_HEADERS_ONLY,
  type ChangeObject,
} from 'diff';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const maxTextLength = 200_000;

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });
const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Splits text into words at Unicode (UAX #29) word boundaries, without spaces and punctuation. */
export function segmentWords(text: string): string[] {
  const words: string[] = [];
  for (const segment of wordSegmenter.segment(text)) {
    if (segment.isWordLike === true) {
      words.push(segment.segment);
    }
  }

  return words;
}

/** Counts UAX #29 sentences that contain a word, so that stray punctuation is not a sentence. */
export function countSentences(text: string): number {
  let sentences = 0;
  for (const segment of sentenceSegmenter.segment(text)) {
    if (segmentWords(segment.segment).length > 0) {
      sentences += 1;
    }
  }

  return sentences;
}

function countGraphemes(text: string): number {
  let count = 0;
  for (const _segment of graphemeSegmenter.segment(text)) {
    count += 1;
  }

  return count;
}

const diffModes = ['line', 'word', 'character'] as const;

interface TextDiffArgs {
  original: string;
  modified: string;
  mode: (typeof diffModes)[number];
  ignore_case: boolean;
  context_lines: number;
  original_name: string;
  modified_name: string;
}

/** Diff time limit in milliseconds. Past it, the diff library returns undefined instead of a diff. */
const diffTimeoutMs = 2_000;

function computeChanges(args: TextDiffArgs): ChangeObject<string>[] | undefined {
  const options = { ignoreCase: args.ignore_case, timeout: diffTimeoutMs };
  if (args.mode === 'word') {
    return diffWords(args.original, args.modified, options);
  }
  if (args.mode === 'character') {
    return diffChars(args.original, args.modified, options);
  }

  return diffLines(args.original, args.modified, { timeout: diffTimeoutMs });
}

function changeType(change: ChangeObject<string>): 'added' | 'removed' | 'unchanged' {
  if (change.added) {
    return 'added';
  }

  return change.removed ? 'removed' : 'unchanged';
}

const textDiff = defineTool<TextDiffArgs>({
  name: 'text_diff',
  description:
    'Compares two texts by line, word or character and returns the changes with counts and a unified diff.',
  category: 'text',
  tier: 'starter',
  tags: ['diff', 'compare', 'patch', 'text'],
  inputSchema: {
    type: 'object',
    properties: {
      original: { type: 'string', description: 'Original text', maxLength: maxTextLength },
      modified: { type: 'string', description: 'Modified text', maxLength: maxTextLength },
      mode: {
        type: 'string',
        description: 'Unit of comparison for `changes`. The unified diff always compares lines',
        enum: diffModes,
        default: 'line',
      },
      ignore_case: {
        type: 'boolean',
        description: 'Treat letters that differ only in case as equal (word and character modes)',
        default: false,
      },
      context_lines: {
        type: 'integer',
        description: 'Unchanged lines shown around each change in the unified diff',
        minimum: 0,
        maximum: 50,
        default: 3,
      },
      original_name: {
        type: 'string',
        description: 'File name on the "---" line of the unified diff',
        maxLength: 200,
        default: 'original',
      },
      modified_name: {
        type: 'string',
        description: 'File name on the "+++" line of the unified diff',
        maxLength: 200,
        default: 'modified',
      },
    },
    required: ['original', 'modified'],
    additionalProperties: false,
  },
  run(args) {
    const changes = computeChanges(args);
    const unifiedDiff = createTwoFilesPatch(
      args.original_name,
      args.modified_name,
      args.original,
      args.modified,
      undefined,
      undefined,
      { context: args.context_lines, headerOptions: FILE_HEADERS_ONLY, timeout: diffTimeoutMs },
    );
    if (changes === undefined || unifiedDiff === undefined) {
      throw new ToolError(
        `the texts differ too much to compare within ${diffTimeoutMs} ms. Compare smaller parts or use line mode`,
      );
    }

    let added = 0;
    let removed = 0;
    for (const change of changes) {
      if (change.added) {
        added += change.count;
      } else if (change.removed) {
        removed += change.count;
      }
    }

    return {
      mode: args.mode,
      identical: added === 0 && removed === 0,
      // Counts are in the mode's units: lines, words or characters.
      added,
      removed,
      changes: changes.map((change) => ({
        type: changeType(change),
        value: change.value,
      })),
      unified_diff: unifiedDiff,
    };
  },
});

interface WordCountArgs {
  text: string;
  words_per_minute: number;
}

/**
 * Average silent reading rate of adults for English non-fiction, in words per minute, from
 * Brysbaert M. (2019), "How many words do we read per minute? A review and meta-analysis of
 * reading rate", Journal of Memory and Language 109, 104047. Fiction averages 260.
 */
const averageReadingRate = 238;

const wordCount = defineTool<WordCountArgs>({
  name: 'word_count',
  description:
    'Counts the words, characters, sentences and paragraphs of a text and estimates its reading time.',
  category: 'text',
  tier: 'free',
  tags: ['words', 'count', 'reading', 'text'],
  inputSchema: {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'Text to count', maxLength: maxTextLength },
      words_per_minute: {
        type: 'number',
        description:
          'Reading rate for the estimate, in words per minute (238 is the adult average for non-fiction)',
        minimum: 50,
        maximum: 1_000,
        default: averageReadingRate,
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  run(args) {
    const words = segmentWords(args.text).length;
    const minutes = words / args.words_per_minute;
    const paragraphs = args.text.split(/\n\s*\n/).filter((block) => block.trim() !== '').length;

    return {
      words,
      // Characters are grapheme clusters: an emoji or a letter with a combining accent counts once.
      characters: countGraphemes(args.text),
      characters_excluding_spaces: countGraphemes(args.text.replace(/\s/g, '')),
      sentences: countSentences(args.text),
      paragraphs,
      words_per_minute: args.words_per_minute,
      reading_time_minutes: Math.round(minutes * 100) / 100,
      reading_time_seconds: Math.round(minutes * 60),
    };
  },
});

interface SlugifyArgs {
  text: string;
  separator: string;
  lowercase: boolean;
  decamelize: boolean;
  max_length?: number;
}

/** Shortens a slug to `maxLength`, cutting at a separator when one falls inside the limit. */
function truncateSlug(slug: string, separator: string, maxLength: number): string {
  if (slug.length <= maxLength) {
    return slug;
  }
  const cut = slug.slice(0, maxLength);
  const lastSeparator = separator === '' ? -1 : cut.lastIndexOf(separator);
  if (lastSeparator > 0) {
    return cut.slice(0, lastSeparator);
  }

  return cut;
}

const slugifyTool = defineTool<SlugifyArgs>({
  name: 'slugify',
  description:
    'Turns text into a URL slug: transliterated to ASCII, with words joined by a separator.',
  category: 'text',
  tier: 'free',
  tags: ['slug', 'url', 'transliterate', 'text'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        description: 'Text to turn into a slug',
        minLength: 1,
        maxLength: 10_000,
      },
      separator: {
        type: 'string',
        description: 'String placed between words',
        maxLength: 3,
        default: '-',
      },
      lowercase: { type: 'boolean', description: 'Lowercase the slug', default: true },
      decamelize: {
        type: 'boolean',
        description: 'Split camelCase words, so that "fooBar" becomes "foo-bar"',
        default: true,
      },
      max_length: {
        type: 'integer',
        description:
          'Maximum slug length in characters. The slug is cut at the last separator that fits',
        minimum: 1,
        maximum: 2_000,
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  run(args) {
    let slug = slugify(args.text, {
      separator: args.separator,
      lowercase: args.lowercase,
      decamelize: args.decamelize,
    });
    if (args.max_length !== undefined) {
      slug = truncateSlug(slug, args.separator, args.max_length);
    }
    if (slug === '') {
      throw new ToolError('text has no letters or digits to build a slug from');
    }

    return { slug, length: slug.length };
  },
});

const caseConverters = {
  camel: camelCase,
  capital: capitalCase,
  constant: constantCase,
  dot: dotCase,
  kebab: kebabCase,
  no: noCase,
  pascal: pascalCase,
  pascal_snake: pascalSnakeCase,
  path: pathCase,
  sentence: sentenceCase,
  snake: snakeCase,
  train: trainCase,
} as const;

type CaseName = keyof typeof caseConverters;

interface TextCaseConvertArgs {
  text: string;
  to: CaseName;
}

const textCaseConvert = defineTool<TextCaseConvertArgs>({
  name: 'text_case_convert',
  description:
    'Converts text or an identifier to another case, such as camelCase, snake_case or CONSTANT_CASE.',
  category: 'text',
  tier: 'free',
  tags: ['case', 'identifier', 'convert', 'text'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        description: 'Text or identifier to convert',
        minLength: 1,
        maxLength: 10_000,
      },
      to: {
        type: 'string',
        description:
          'Target case: camel (fooBar), capital (Foo Bar), constant (FOO_BAR), dot (foo.bar), kebab (foo-bar), ' +
          'no (foo bar), pascal (FooBar), pascal_snake (Foo_Bar), path (foo/bar), sentence (Foo bar), ' +
          'snake (foo_bar) or train (Foo-Bar)',
        enum: Object.keys(caseConverters),
      },
    },
    required: ['text', 'to'],
    additionalProperties: false,
  },
  run(args) {
    return { case: args.to, result: caseConverters[args.to](args.text) };
  },
});

export const textTools: BuiltinTool[] = [textDiff, wordCount, slugifyTool, textCaseConvert];
