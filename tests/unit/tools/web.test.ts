import { describe, expect, it } from 'vitest';
import { webTools } from '../../../src/tools/builtin/web.js';
import { runTool } from '../../support/tools.js';

function tool(name: string) {
  const found = webTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no web tool named ${name}`);
  }

  return found;
}

describe('markdown_to_html', () => {
  const markdownToHtml = tool('markdown_to_html');

  it('renders GitHub Flavored Markdown', async () => {
    const markdown = [
      '# Title',
      '',
      'Some **bold** and [a link](https://example.com).',
      '',
      '## Tasks',
      '',
      '- [x] done',
      '- [ ] todo',
      '',
      '~~gone~~ ![logo](https://example.com/logo.png "Logo")',
      '',
      '```js',
      'let a = 1;',
      '```',
      '',
      '| a | b |',
      '|:-:|---|',
      '| 1 | 2 |',
      '',
    ].join('\n');
    const result = await runTool(markdownToHtml, { markdown });

    expect(result).toEqual({
      html: [
        '<h1>Title</h1>',
        '<p>Some <strong>bold</strong> and <a href="https://example.com">a link</a>.</p>',
        '<h2>Tasks</h2>',
        '<ul>',
        '<li><input checked disabled type="checkbox" /> done</li>',
        '<li><input disabled type="checkbox" /> todo</li>',
        '</ul>',
        '<p><del>gone</del> <img src="https://example.com/logo.png" alt="logo" title="Logo" /></p>',
        '<pre><code class="language-js">let a = 1;',
        '</code></pre>',
        '<table>',
        '<thead>',
        '<tr>',
        '<th align="center">a</th>',
        '<th>b</th>',
        '</tr>',
        '</thead>',
        '<tbody><tr>',
        '<td align="center">1</td>',
        '<td>2</td>',
        '</tr>',
        '</tbody></table>',
        '',
      ].join('\n'),
      headings: [
        { level: 1, text: 'Title' },
        { level: 2, text: 'Tasks' },
      ],
    });
  });

  it('strips scripts and handlers', async () => {
    const markdown = [
      '<script>alert(1)</script>',
      '',
      '<img src="https://example.com/a.png" onerror="alert(1)"> [x](javascript:alert(1)) <b style="color:red" onclick="x()">b</b>',
    ].join('\n');
    const result = await runTool(markdownToHtml, { markdown });

    expect(result.html).toBe('<p><img src="https://example.com/a.png" /> <a>x</a> <b>b</b></p>\n');
  });

  it('drops non-checkbox inputs', async () => {
    const result = await runTool(markdownToHtml, { markdown: 'Name: <input type="text" value="v">' });

    expect(result.html).toBe('<p>Name: </p>\n');
  });

  it('turns line breaks into br', async () => {
    const result = await runTool(markdownToHtml, { markdown: 'a\nb', breaks: true });

    expect(result.html).toBe('<p>a<br />b</p>\n');
  });

  it('leaves tables as text without GFM', async () => {
    const result = await runTool(markdownToHtml, { markdown: '| a |\n|---|\n| 1 |', gfm: false });

    expect(result.html).toBe('<p>| a |\n|---|\n| 1 |</p>\n');
  });

  it('rejects over 200000 characters', async () => {
    await expect(runTool(markdownToHtml, { markdown: 'a'.repeat(200_001) })).rejects.toMatchObject({
      details: [{ field: 'args.markdown', message: 'must NOT have more than 200000 characters' }],
    });
  });
});

describe('html_sanitize', () => {
  const htmlSanitize = tool('html_sanitize');

  it('removes scripts, frames and handlers', async () => {
    const result = await runTool(htmlSanitize, {
      html: '<p onclick="x()">Hi <script>bad()</script><img src="https://example.com/i.png"><a href="javascript:x">l</a><iframe src="https://example.com"></iframe></p>',
    });

    expect(result).toEqual({ html: '<p>Hi <a>l</a></p>', changed: true });
  });

  it('keeps only the allowed tags', async () => {
    const result = await runTool(htmlSanitize, {
      html: '<p>Hi <b>b</b><img src="https://example.com/i.png"></p>',
      allowed_tags: ['b'],
      allow_images: true,
    });

    expect(result).toEqual({ html: 'Hi <b>b</b><img src="https://example.com/i.png" />', changed: true });
  });

  it('leaves clean HTML unchanged', async () => {
    const result = await runTool(htmlSanitize, { html: '<p>Plain <em>text</em></p>' });

    expect(result).toEqual({ html: '<p>Plain <em>text</em></p>', changed: false });
  });

  it('rejects an invalid tag name', async () => {
    await expect(runTool(htmlSanitize, { html: '<p>x</p>', allowed_tags: ['<script>'] })).rejects.toMatchObject({
      details: [{ field: 'args.allowed_tags.0', message: 'must match pattern "^[a-z][a-z0-9-]*$"' }],
    });
  });
});

describe('html_to_text', () => {
  const htmlToText = tool('html_to_text');

  it('converts headings, lists and tables', async () => {
    const result = await runTool(htmlToText, {
      html:
        '<h1>Title</h1><p>Hello <a href="https://example.com">link</a> and <img src="https://example.com/i.png" alt="pic"></p>' +
        '<ul><li>one</li><li>two</li></ul><table><tr><th>Name</th><th>Qty</th></tr><tr><td>Apples</td><td>12</td></tr></table>',
    });

    expect(result).toEqual({
      text: 'TITLE\n\nHello link [https://example.com] and pic [https://example.com/i.png]\n\n * one\n * two\n\nNAME     QTY\nApples   12',
    });
  });

  it('omits links on request', async () => {
    const result = await runTool(htmlToText, {
      html: '<p>Hello <a href="https://example.com">link</a><img src="https://example.com/i.png" alt="pic"></p>',
      include_links: false,
    });

    expect(result).toEqual({ text: 'Hello link' });
  });

  it('wraps at the given column', async () => {
    const result = await runTool(htmlToText, { html: `<p>${'word '.repeat(12)}</p>`, wordwrap: 20 });

    expect(result.text).toBe('word word word word\nword word word word\nword word word word');
  });

  it('does not wrap at 0', async () => {
    const result = await runTool(htmlToText, { html: `<p>${'word '.repeat(30)}</p>`, wordwrap: 0 });

    expect(result.text).toBe(`${'word '.repeat(29)}word`);
  });
});

describe('user_agent_parse', () => {
  const userAgentParse = tool('user_agent_parse');

  it('parses iPhone Safari', async () => {
    const result = await runTool(userAgentParse, {
      user_agent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
    });

    expect(result).toEqual({
      browser: { name: 'Mobile Safari', version: '17.2', major: '17' },
      engine: { name: 'WebKit', version: '605.1.15' },
      os: { name: 'iOS', version: '17.2' },
      device: { vendor: 'Apple', model: 'iPhone', type: 'mobile' },
      cpu: { architecture: null },
    });
  });

  it('parses desktop Chrome', async () => {
    const result = await runTool(userAgentParse, {
      user_agent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    });

    expect(result).toEqual({
      browser: { name: 'Chrome', version: '120.0.0.0', major: '120' },
      engine: { name: 'Blink', version: '120.0.0.0' },
      os: { name: 'Windows', version: '10' },
      device: { vendor: null, model: null, type: null },
      cpu: { architecture: 'amd64' },
    });
  });

  it('returns nulls for an unknown agent', async () => {
    const result = await runTool(userAgentParse, { user_agent: 'curl/8.5.0' });

    expect(result.browser).toEqual({ name: null, version: null, major: null });
    expect(result.os).toEqual({ name: null, version: null });
  });
});

describe('mime_type_lookup', () => {
  const mimeTypeLookup = tool('mime_type_lookup');

  it('looks up a file name', async () => {
    const result = await runTool(mimeTypeLookup, { value: 'reports/Q3.PDF' });

    expect(result).toEqual({
      mime_type: 'application/pdf',
      extensions: ['pdf'],
      charset: null,
      content_type: 'application/pdf',
    });
  });

  it('looks up an extension', async () => {
    const result = await runTool(mimeTypeLookup, { value: '.json' });

    expect(result).toEqual({
      mime_type: 'application/json',
      extensions: ['json', 'map'],
      charset: 'UTF-8',
      content_type: 'application/json; charset=utf-8',
    });
  });

  it('looks up a MIME type with parameters', async () => {
    const result = await runTool(mimeTypeLookup, { value: 'Text/HTML; charset=iso-8859-1' });

    expect(result).toEqual({
      mime_type: 'text/html',
      extensions: ['html', 'htm', 'shtml'],
      charset: 'UTF-8',
      content_type: 'text/html; charset=utf-8',
    });
  });

  it('rejects an unknown extension', async () => {
    await expect(runTool(mimeTypeLookup, { value: 'file.unknownext' })).rejects.toThrow(
      'no MIME type is known for "file.unknownext"',
    );
  });
});
