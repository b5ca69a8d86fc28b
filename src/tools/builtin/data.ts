import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createRequire } from 'node:module';
import jmespath from 'jmespath';
import { runIsolated } from './shared/isolated.js';
import { parseAllDocuments } from 'yaml';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const maxDocumentLength = 1_000_000;

/** Any JSON value, for schema properties that accept whatever the caller sends. */
const anyJsonType = ['object', 'array', 'string', 'number', 'boolean', 'null'];

const delimiterProperty = {
  type: 'string',
  description: 'Field delimiter, such as "," or ";" or a tab character',
  minLength: 1,
  maxLength: 4,
  default: ',',
};

interface CsvToJsonArgs {
  csv: string;
  header: boolean;
  delimiter: string;
  trim: boolean;
  cast_numbers: boolean;
}

/** Rejects header rows whose names are empty or repeated, because records would lose fields. */
function checkHeaderNames(names: unknown[]): string[] {
  const seen = new Set<string>();

  return names.map((name, index) => {
    const text = String(name ?? '');
    if (text === '') {
      throw new ToolError(`csv header column ${index + 1} is empty. Give every column a name`);
    }
    if (seen.has(text)) {
      throw new ToolError(
        `csv header repeats the column name "${text}". Column names must be unique`,
      );
    }
    seen.add(text);

    return text;
  });
}

const csvToJson = defineTool<CsvToJsonArgs>({
  name: 'csv_to_json',
  description:
    'Parses CSV text and returns its rows as JSON objects keyed by the header row, or as arrays of fields.',
  category: 'data',
  tier: 'free',
  tags: ['csv', 'json', 'convert', 'parse'],
  inputSchema: {
    type: 'object',
    properties: {
      csv: {
        type: 'string',
        description: 'CSV text (RFC 4180 quoting)',
        maxLength: maxDocumentLength,
      },
      header: {
        type: 'boolean',
        description:
          'Whether the first row contains column names. When false, each row is an array of fields',
        default: true,
      },
      delimiter: delimiterProperty,
      trim: { type: 'boolean', description: 'Trim whitespace around each field', default: false },
      cast_numbers: {
        type: 'boolean',
        description: 'Convert fields that look like numbers into JSON numbers',
        default: false,
      },
    },
    required: ['csv'],
    additionalProperties: false,
  },
  run(args) {
    let columns: string[] | undefined;
    let rows: unknown[];
    try {
      rows = parseCsv(args.csv, {
        columns: args.header
          ? (headerRow: unknown[]) => {
              columns = checkHeaderNames(headerRow);

              return columns;
            }
          : false,
        delimiter: args.delimiter,
        trim: args.trim,
        cast: args.cast_numbers,
        skip_empty_lines: true,
        bom: true,
      }) as unknown[];
    } catch (error) {
      if (error instanceof ToolError) {
        throw error;
      }
      if (error instanceof CsvError) {
        throw new ToolError(`csv is not valid CSV: ${error.message}`);
      }
      throw error;
    }

    return { columns: args.header ? (columns ?? []) : null, row_count: rows.length, rows };
  },
});

interface JsonToCsvArgs {
  rows: Record<string, unknown>[];
  columns?: string[];
  header: boolean;
  delimiter: string;
}

/** Column names in the order they first appear across all rows. */
function collectColumns(rows: Record<string, unknown>[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      columns.add(key);
    }
  }

  return [...columns];
}

const jsonToCsv = defineTool<JsonToCsvArgs>({
  name: 'json_to_csv',
  description:
    'Serializes an array of JSON objects to CSV text, with a header row and quoting as RFC 4180 requires.',
  category: 'data',
  tier: 'free',
  tags: ['csv', 'json', 'convert', 'export'],
  inputSchema: {
    type: 'object',
    properties: {
      rows: {
        type: 'array',
        description: 'Records to write. Nested objects and arrays are written as JSON text',
        items: { type: 'object' },
        maxItems: 10_000,
      },
      columns: {
        type: 'array',
        description:
          'Columns to write, in order. Defaults to every key in order of first appearance',
        items: { type: 'string', minLength: 1, maxLength: 200 },
        minItems: 1,
        maxItems: 500,
        uniqueItems: true,
      },
      header: { type: 'boolean', description: 'Write a header row of column names', default: true },
      delimiter: delimiterProperty,
    },
    required: ['rows'],
    additionalProperties: false,
  },
  run(args) {
    const columns = args.columns ?? collectColumns(args.rows);
    if (columns.length === 0) {
      throw new ToolError(
        'rows have no keys, so there are no columns to write. Pass columns to choose them',
      );
    }
    const csv = stringifyCsv(args.rows, {
      columns,
      header: args.header,
      delimiter: args.delimiter,
      // csv-stringify writes true as "1" and false as "" by default, which reads back as text.
      cast: { boolean: (value) => String(value) },
    });

    return { csv, columns, row_count: args.rows.length };
  },
});

interface JsonQueryArgs {
  data: unknown;
  expression: string;
}

const moduleRequire = createRequire(import.meta.url);

const jmespathWorkerSource = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const jmespath = require(workerData.modules.jmespath);
try {
  parentPort.postMessage({ ok: true, value: jmespath.search(workerData.input.data, workerData.input.expression) });
} catch (error) {
  parentPort.postMessage({ ok: false, message: 'expression failed: ' + (error instanceof Error ? error.message : String(error)) });
}
`;

const jsonQuery = defineTool<JsonQueryArgs>({
  name: 'json_query',
  description:
    'Evaluates a JMESPath expression against a JSON value and returns the matching result.',
  category: 'data',
  tier: 'free',
  tags: ['json', 'jmespath', 'query', 'filter'],
  inputSchema: {
    type: 'object',
    properties: {
      data: { type: anyJsonType, description: 'JSON value to query' },
      expression: {
        type: 'string',
        description: 'JMESPath expression, such as "people[?age > `30`].name"',
        minLength: 1,
        maxLength: 2_000,
      },
    },
    required: ['data', 'expression'],
    additionalProperties: false,
  },
  async run(args, context) {
    try {
      // Parsing here reports syntax errors at once; evaluation runs isolated, because a
      // short expression of nested projections can grow its result without bound.
      (jmespath as unknown as { compile(expression: string): unknown }).compile(args.expression);
    } catch (error) {
      throw new ToolError(`expression is not a valid JMESPath query: ${(error as Error).message}`);
    }
    const result = await runIsolated(jmespathWorkerSource, { data: args.data, expression: args.expression }, {
      label: 'JMESPath expression',
      timeoutMs: 2_000,
      heapMb: 96,
      signal: context.signal,
      modules: { jmespath: moduleRequire.resolve('jmespath') },
    });

    return { result: result ?? null };
  },
});

interface YamlToJsonArgs {
  yaml: string;
  all_documents: boolean;
}

/** Maximum aliases per document, because each YAML alias can multiply the output size. */
const maxYamlAliases = 100;

const yamlToJson = defineTool<YamlToJsonArgs>({
  name: 'yaml_to_json',
  description:
    'Parses YAML 1.2 text and returns the equivalent JSON value, or one value per document.',
  category: 'data',
  tier: 'free',
  tags: ['yaml', 'json', 'convert', 'parse'],
  inputSchema: {
    type: 'object',
    properties: {
      yaml: { type: 'string', description: 'YAML text', maxLength: maxDocumentLength },
      all_documents: {
        type: 'boolean',
        description: 'Return every document of a multi-document stream as `documents`',
        default: false,
      },
    },
    required: ['yaml'],
    additionalProperties: false,
  },
  run(args) {
    // Merge keys (`<<: *base`) are YAML 1.1, but compose files and CI configurations rely on them.
    const documents = parseAllDocuments(args.yaml, { merge: true });
    const list = Array.isArray(documents) ? documents : [];
    for (const [index, document] of list.entries()) {
      const [first] = document.errors;
      if (first !== undefined) {
        throw new ToolError(`yaml document ${index + 1} is not valid YAML: ${first.message}`);
      }
    }
    const values = list.map((document, index) => {
      try {
        return document.toJS({ maxAliasCount: maxYamlAliases }) ?? null;
      } catch (error) {
        throw new ToolError(
          `yaml document ${index + 1} cannot be converted: ${(error as Error).message}`,
        );
      }
    });

    if (args.all_documents) {
      return { document_count: values.length, documents: values };
    }
    if (values.length > 1) {
      throw new ToolError(
        `yaml contains ${values.length} documents. Set all_documents to true to convert each of them`,
      );
    }

    return { value: values[0] ?? null };
  },
});

interface XmlToJsonArgs {
  xml: string;
  ignore_attributes: boolean;
  attribute_prefix: string;
  parse_values: boolean;
}

const xmlToJson = defineTool<XmlToJsonArgs>({
  name: 'xml_to_json',
  description:
    'Parses an XML document and returns it as a JSON object, with attributes under a prefix and text under "#text".',
  category: 'data',
  tier: 'starter',
  tags: ['xml', 'json', 'convert', 'parse'],
  inputSchema: {
    type: 'object',
    properties: {
      xml: {
        type: 'string',
        description: 'XML document text',
        minLength: 1,
        maxLength: maxDocumentLength,
      },
      ignore_attributes: {
        type: 'boolean',
        description: 'Drop attributes from the output',
        default: false,
      },
      attribute_prefix: {
        type: 'string',
        description: 'Prefix put before attribute names to tell them apart from child elements',
        maxLength: 10,
        default: '@_',
      },
      parse_values: {
        type: 'boolean',
        description:
          'Convert element text that looks like a number or boolean. Off by default, so that "007" stays text',
        default: false,
      },
    },
    required: ['xml'],
    additionalProperties: false,
  },
  run(args) {
    const validation = XMLValidator.validate(args.xml);
    if (validation !== true) {
      const { msg, line, col } = validation.err;
      throw new ToolError(`xml is not well-formed at line ${line}, column ${col}: ${msg}`);
    }
    const parser = new XMLParser({
      ignoreAttributes: args.ignore_attributes,
      attributeNamePrefix: args.attribute_prefix,
      parseTagValue: args.parse_values,
      parseAttributeValue: args.parse_values,
      // Entity expansion is capped so that a "billion laughs" DOCTYPE cannot exhaust memory.
      processEntities: { enabled: true, maxTotalExpansions: 10_000, maxExpandedLength: 100_000 },
    });
    try {
      return { value: parser.parse(args.xml) as unknown };
    } catch (error) {
      throw new ToolError(`xml cannot be converted: ${(error as Error).message}`);
    }
  },
});

export const dataTools: BuiltinTool[] = [csvToJson, jsonToCsv, jsonQuery, yamlToJson, xmlToJson];
