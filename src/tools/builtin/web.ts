/**
 * Tools for web formats (HTML, Markdown, User-Agent, MIME). Each is listed under the
 * catalogue category its users browse, since the catalogue has no "web" category.
 */
import { convert } from 'html-to-text';
import { Marked, type Tokens } from 'marked';
import mime from 'mime-types';
import sanitizeHtml from 'sanitize-html';
import UAParser from 'ua-parser-js';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

/**
 * The allow-list for rendered Markdown: sanitize-html's default tags plus the images,
 * task-list checkboxes, strikethrough and table alignment that GitHub Flavored Markdown
 * produces. Scripts, event handlers, styles and `javascript:` links are removed.
 */
const markdownSanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 'input'],
  allowedAttributes: {
    a: ['href', 'name', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    input: ['type', 'checked', 'disabled'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
  },
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
  transformTags: {
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
  },
};

interface MarkdownArgs {
  markdown: string;
  gfm: boolean;
  breaks: boolean;
}

const markdownToHtml = defineTool<MarkdownArgs>({
  name: 'markdown_to_html',
  description: 'Render Markdown to sanitised HTML with marked and return the HTML and its headings',
  category: 'text',
  tier: 'free',
  tags: ['markdown', 'html', 'render'],
  inputSchema: {
    type: 'object',
    properties: {
      markdown: { type: 'string', maxLength: 200_000, description: 'Markdown source' },
      gfm: { type: 'boolean', default: true, description: 'Use GitHub Flavored Markdown: tables, task lists, strikethrough, autolinks' },
      breaks: { type: 'boolean', default: false, description: 'Turn single line breaks into <br>' },
    },
    required: ['markdown'],
    additionalProperties: false,
  },
  run(args) {
    const marked = new Marked({ gfm: args.gfm, breaks: args.breaks, async: false });
    const tokens = marked.lexer(args.markdown);
    // marked passes raw HTML in the source through unchanged, so its output is sanitised
    // before anyone could render it in a browser.
    const html = sanitizeHtml(marked.parser(tokens), markdownSanitizeOptions);
    const headings = tokens
      .filter((token): token is Tokens.Heading => token.type === 'heading')
      .map((heading) => ({ level: heading.depth, text: heading.text }));

    return { html, headings };
  },
});

interface HtmlSanitizeArgs {
  html: string;
  allowed_tags?: string[];
  allow_images: boolean;
}

const htmlSanitize = defineTool<HtmlSanitizeArgs>({
  name: 'html_sanitize',
  description: 'Remove scripts, event handlers and every tag or attribute outside an allow-list from HTML',
  category: 'security',
  tier: 'free',
  tags: ['html', 'sanitize', 'xss', 'security'],
  inputSchema: {
    type: 'object',
    properties: {
      html: { type: 'string', maxLength: 1_000_000, description: 'HTML to clean' },
      allowed_tags: {
        type: 'array',
        maxItems: 100,
        items: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 32 },
        description: "Tags to keep, replacing sanitize-html's default list of text and structure tags",
      },
      allow_images: { type: 'boolean', default: false, description: 'Also keep <img> with http or https sources' },
    },
    required: ['html'],
    additionalProperties: false,
  },
  run(args) {
    const tags = args.allowed_tags ?? sanitizeHtml.defaults.allowedTags;
    const html = sanitizeHtml(args.html, {
      allowedTags: args.allow_images ? [...tags, 'img'] : tags,
      allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    });

    return { html, changed: html !== args.html };
  },
});

interface HtmlToTextArgs {
  html: string;
  wordwrap: number;
  include_links: boolean;
}

const htmlToText = defineTool<HtmlToTextArgs>({
  name: 'html_to_text',
  description: 'Convert HTML to readable plain text, keeping headings, lists, tables and link targets',
  category: 'text',
  tier: 'free',
  tags: ['html', 'text', 'convert', 'scrape'],
  inputSchema: {
    type: 'object',
    properties: {
      html: { type: 'string', maxLength: 1_000_000, description: 'HTML document or fragment' },
      wordwrap: {
        type: 'integer',
        minimum: 0,
        maximum: 500,
        default: 80,
        description: 'Column to wrap lines at; 0 turns wrapping off',
      },
      include_links: { type: 'boolean', default: true, description: 'Write link targets in brackets after the link text' },
    },
    required: ['html'],
    additionalProperties: false,
  },
  run(args) {
    const text = convert(args.html, {
      wordwrap: args.wordwrap === 0 ? false : args.wordwrap,
      selectors: [
        { selector: 'a', options: { ignoreHref: !args.include_links } },
        { selector: 'img', format: args.include_links ? 'image' : 'skip' },
        { selector: 'table', format: 'dataTable' },
      ],
    });

    return { text };
  },
});

interface UserAgentArgs {
  user_agent: string;
}

/** Replaces the `undefined` fields of a ua-parser-js result with `null`, which JSON keeps. */
function withNulls<T extends object>(value: T): { [K in keyof T]: T[K] | null } {
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, field ?? null])) as {
    [K in keyof T]: T[K] | null;
  };
}

const userAgentParse = defineTool<UserAgentArgs>({
  name: 'user_agent_parse',
  description: 'Parse a User-Agent header into browser, rendering engine, operating system, device and CPU',
  category: 'networking',
  tier: 'free',
  tags: ['user-agent', 'browser', 'device', 'parse'],
  inputSchema: {
    type: 'object',
    properties: {
      user_agent: { type: 'string', minLength: 1, maxLength: 2048, description: 'Value of a User-Agent header' },
    },
    required: ['user_agent'],
    additionalProperties: false,
  },
  run(args) {
    // ua-parser-js stays on 1.x: the 2.x line is licensed under the AGPL.
    const result = new UAParser(args.user_agent).getResult();

    return {
      browser: withNulls(result.browser),
      engine: withNulls(result.engine),
      os: withNulls(result.os),
      device: withNulls(result.device),
      cpu: withNulls(result.cpu),
    };
  },
});

interface MimeArgs {
  value: string;
}

const mimeTypeLookup = defineTool<MimeArgs>({
  name: 'mime_type_lookup',
  description: 'Look up the MIME type of a file name or extension, or the extensions of a MIME type',
  category: 'media',
  tier: 'free',
  tags: ['mime', 'content-type', 'file', 'extension'],
  inputSchema: {
    type: 'object',
    properties: {
      value: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        description: 'File name or path (report.pdf), extension (.pdf or pdf), or MIME type (application/pdf)',
      },
    },
    required: ['value'],
    additionalProperties: false,
  },
  run(args) {
    const value = args.value.trim();
    const essence = value.split(';')[0]!.trim().toLowerCase();
    const knownType = mime.extensions[essence] === undefined ? undefined : essence;
    const mimeType = knownType ?? mime.lookup(value);
    if (mimeType === false) {
      throw new ToolError(`no MIME type is known for ${JSON.stringify(args.value)}; give a file name, an extension or a MIME type`);
    }
    const charset = mime.charset(mimeType);

    return {
      mime_type: mimeType,
      extensions: mime.extensions[mimeType] ?? [],
      charset: charset === false ? null : charset,
      content_type: mime.contentType(mimeType) || mimeType,
    };
  },
});

export const webTools: BuiltinTool[] = [markdownToHtml, htmlSanitize, htmlToText, userAgentParse, mimeTypeLookup];
