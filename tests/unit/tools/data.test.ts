import { describe, expect, it } from 'vitest';
import { dataTools } from '../../../src/tools/builtin/data.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = dataTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no data tool named ${name}`);
  }

  return found;
}

describe('csv_to_json', () => {
  it('keys rows by the header', async () => {
    const result = await runTool(tool('csv_to_json'), {
      csv: 'name,age\nAda,36\n"Lovelace, A",37\n',
    });

    expect(result).toEqual({
      columns: ['name', 'age'],
      row_count: 2,
      rows: [
        { name: 'Ada', age: '36' },
        { name: 'Lovelace, A', age: '37' },
      ],
    });
  });

  it('casts numbers when asked', async () => {
    const result = await runTool(tool('csv_to_json'), { csv: 'x,y\n1.5,-2\n', cast_numbers: true });

    expect(result.rows).toEqual([{ x: 1.5, y: -2 }]);
  });

  it('returns arrays without a header', async () => {
    const result = await runTool(tool('csv_to_json'), {
      csv: 'a;b\n1;"2;3"\n',
      delimiter: ';',
      header: false,
    });

    expect(result).toEqual({
      columns: null,
      row_count: 2,
      rows: [
        ['a', 'b'],
        ['1', '2;3'],
      ],
    });
  });

  it('rejects a row with too many fields', async () => {
    await expect(runTool(tool('csv_to_json'), { csv: 'a,b\n1,2,3\n' })).rejects.toThrow(
      'csv is not valid CSV: Invalid Record Length: columns length is 2, got 3 on line 2',
    );
  });

  it('rejects an unclosed quote', async () => {
    await expect(runTool(tool('csv_to_json'), { csv: 'a,"b\n1,2\n' })).rejects.toThrow(
      'Quote Not Closed',
    );
  });

  it('rejects repeated header names', async () => {
    await expect(runTool(tool('csv_to_json'), { csv: 'a,a\n1,2\n' })).rejects.toThrow(
      'csv header repeats the column name "a". Column names must be unique',
    );
  });

  it('rejects an empty header name', async () => {
    await expect(runTool(tool('csv_to_json'), { csv: 'a,,c\n1,2,3\n' })).rejects.toThrow(
      'csv header column 2 is empty',
    );
  });

  it('rejects a missing csv argument', async () => {
    await expect(runTool(tool('csv_to_json'), {})).rejects.toThrow('args.csv is required');
  });
});

describe('json_to_csv', () => {
  it('quotes fields and nests JSON', async () => {
    const result = await runTool(tool('json_to_csv'), {
      rows: [
        { name: 'Ada', tags: ['x', 'y'], ok: true },
        { name: 'Bob "B"', ok: false, n: 2, z: null },
      ],
    });

    expect(result).toEqual({
      csv: 'name,tags,ok,n,z\nAda,"[""x"",""y""]",true,,\n"Bob ""B""",,false,2,\n',
      columns: ['name', 'tags', 'ok', 'n', 'z'],
      row_count: 2,
    });
  });

  it('writes chosen columns only', async () => {
    const result = await runTool(tool('json_to_csv'), {
      rows: [{ a: 1, b: 2, c: 3 }],
      columns: ['c', 'a'],
      header: false,
      delimiter: '\t',
    });

    expect(result.csv).toBe('3\t1\n');
  });

  it('round-trips through csv_to_json', async () => {
    const rows = [{ city: 'Zürich, CH', note: 'line one\nline two' }];
    const written = await runTool(tool('json_to_csv'), { rows });
    const read = await runTool(tool('csv_to_json'), { csv: written.csv });

    expect(read.rows).toEqual(rows);
  });

  it('rejects rows without keys', async () => {
    await expect(runTool(tool('json_to_csv'), { rows: [{}] })).rejects.toThrow(
      'rows have no keys, so there are no columns to write',
    );
  });

  it('rejects rows that are not objects', async () => {
    await expect(runTool(tool('json_to_csv'), { rows: [1] })).rejects.toThrow(
      'args.rows.0 must be object',
    );
  });
});

describe('json_query', () => {
  const data = {
    people: [
      { name: 'Ada', age: 36 },
      { name: 'Grace', age: 85 },
      { name: 'Linus', age: 21 },
    ],
  };

  it('filters and projects', async () => {
    const result = await runTool(tool('json_query'), {
      data,
      expression: 'people[?age > `30`].name',
    });

    expect(result).toEqual({ result: ['Ada', 'Grace'] });
  });

  it('applies functions', async () => {
    const result = await runTool(tool('json_query'), {
      data,
      expression: 'max_by(people, &age).name',
    });

    expect(result).toEqual({ result: 'Grace' });
  });

  it('returns null for a missing key', async () => {
    const result = await runTool(tool('json_query'), { data, expression: 'nobody' });

    expect(result).toEqual({ result: null });
  });

  it('rejects an invalid expression', async () => {
    await expect(runTool(tool('json_query'), { data, expression: 'people[' })).rejects.toThrow(
      'expression is not a valid JMESPath query',
    );
  });
});

describe('yaml_to_json', () => {
  it('converts mappings, sequences and scalars', async () => {
    const result = await runTool(tool('yaml_to_json'), {
      yaml: 'name: agentgraph\nport: 8080\ndebug: false\ntags: [api, graphql]\nnothing: ~\n',
    });

    expect(result).toEqual({
      value: {
        name: 'agentgraph',
        port: 8080,
        debug: false,
        tags: ['api', 'graphql'],
        nothing: null,
      },
    });
  });

  it('resolves anchors and merge keys', async () => {
    const result = await runTool(tool('yaml_to_json'), {
      yaml: 'base: &base {a: 1}\nderived:\n  <<: *base\n  b: 2\n',
    });

    expect(result).toEqual({ value: { base: { a: 1 }, derived: { a: 1, b: 2 } } });
  });

  it('returns every document when asked', async () => {
    const result = await runTool(tool('yaml_to_json'), {
      yaml: 'a: 1\n---\nb: 2\n',
      all_documents: true,
    });

    expect(result).toEqual({ document_count: 2, documents: [{ a: 1 }, { b: 2 }] });
  });

  it('rejects several documents by default', async () => {
    await expect(runTool(tool('yaml_to_json'), { yaml: 'a: 1\n---\nb: 2\n' })).rejects.toThrow(
      'yaml contains 2 documents. Set all_documents to true',
    );
  });

  it('rejects invalid YAML', async () => {
    await expect(runTool(tool('yaml_to_json'), { yaml: 'a: [1\n' })).rejects.toThrow(
      'yaml document 1 is not valid YAML: Flow sequence in block collection must be sufficiently indented',
    );
  });

  it('rejects an alias bomb', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + index);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }

    await expect(runTool(tool('yaml_to_json'), { yaml: `${levels.join('\n')}\n` })).rejects.toThrow(
      'Excessive alias count',
    );
  });
});

describe('xml_to_json', () => {
  it('keeps text and prefixes attributes', async () => {
    const result = await runTool(tool('xml_to_json'), {
      xml: '<book id="7"><title>Dune</title><code>007</code><author>Frank</author><author>Herbert</author></book>',
    });

    expect(result).toEqual({
      value: { book: { title: 'Dune', code: '007', author: ['Frank', 'Herbert'], '@_id': '7' } },
    });
  });

  it('parses numbers when asked', async () => {
    const result = await runTool(tool('xml_to_json'), {
      xml: '<book id="7"><year>1965</year></book>',
      parse_values: true,
      attribute_prefix: '$',
    });

    expect(result).toEqual({ value: { book: { year: 1965, $id: 7 } } });
  });

  it('expands declared entities', async () => {
    const result = await runTool(tool('xml_to_json'), {
      xml: '<!DOCTYPE a [<!ENTITY x "hello">]><a>&x; &amp; &lt;</a>',
    });

    expect(result).toEqual({ value: { a: 'hello & <' } });
  });

  it('rejects mismatched tags', async () => {
    await expect(runTool(tool('xml_to_json'), { xml: '<a><b></a>' })).rejects.toThrow(
      "xml is not well-formed at line 1, column 7: Expected closing tag 'b'",
    );
  });
});

describe('json_query isolation', () => {
  it('stops a runaway projection', async () => {
    const multi = `[${Array.from({ length: 200 }, () => '@').join(',')}]`;
    const expression = `[*].${multi}[].${multi}[].${multi}[]`;
    await expect(
      runTool(tool('json_query'), { data: Array.from({ length: 100 }, (_, index) => index), expression }),
    ).rejects.toThrow(/JMESPath expression (did not finish|needs more than)/);
  }, 20_000);
});
