import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingMessage, launchBrowser, shouldRunPageTests, type TestBrowser } from '../support/browser.js';
import { call, createTestAccount, databaseKind, startServer, type TestServer } from '../support/server.js';

type JsonObject = Record<string, any>;

const runPageTests = shouldRunPageTests();
const title = runPageTests ? 'pages in headless Chromium' : `pages in headless Chromium (skipped: ${chromiumMissingMessage})`;
if (!runPageTests) {
  console.warn(`Skipping the page tests: ${chromiumMissingMessage}`);
}

/** How long browser actions wait, because the GraphiQL page alone is about 9 MB of script. */
const actionTimeoutMs = 60_000;

/**
 * Replaces the whole text of the Monaco editor that `editor` contains. Monaco closes
 * brackets and quotes as they are typed, so the characters it added after the cursor
 * are deleted again.
 */
async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .monaco-editor`).filter({ visible: true }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
}

// The pages read nothing from the database beyond one query, and a browser is the
// slowest thing in the suite, so these tests run in one project only.
describe.skipIf(!runPageTests || databaseKind === 'pglite')(title, () => {
  let server: TestServer;
  let browser: TestBrowser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser(new URL(server.url).origin);
    browser.context.setDefaultTimeout(actionTimeoutMs);
    browser.context.on('weberror', (error) => pageErrors.push(error.error().message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders every operation on /docs', async () => {
    const document = (await call(server, 'GET', '/api/v1/openapi.json')).body as JsonObject;
    const expected = Object.entries(document.paths as Record<string, JsonObject>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const page = await browser.context.newPage();

    const response = await page.goto(`${server.url}/docs`);
    expect(response?.status()).toBe(200);
    expect(browser.foreignRequests, 'the page must load nothing from other origins').toEqual([]);
    await page.locator('.opblock').nth(expected.length - 1).waitFor();

    await expect(page.locator('.info .title').innerText()).resolves.toContain(document.info.title);
    const rendered: string[] = [];
    for (const block of await page.locator('.opblock').all()) {
      const method = await block.locator('.opblock-summary-method').innerText();
      const path = await block.locator('.opblock-summary-path').getAttribute('data-path');
      rendered.push(`${method.toUpperCase()} ${path}`);
    }
    expect(rendered.sort()).toEqual(expected);
    const tags = await page.locator('.opblock-tag').allInnerTexts();
    expect(tags.map((text) => text.split('\n')[0])).toEqual((document.tags as JsonObject[]).map((tag) => tag.name));
    expect(browser.foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('runs a query in GraphiQL on /graphql', async () => {
    const { key } = await createTestAccount(server);
    const created = await call(server, 'POST', '/api/v1/agents', {
      token: key,
      json: { agent_name: 'GraphiQL Bot', agent_role: 'reviewer' },
    });
    expect(created.status).toBe(201);
    const page = await browser.context.newPage();
    const sentAuthorization: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') {
        sentAuthorization.push(request.headers().authorization);
      }
    });

    const response = await page.goto(`${server.url}/graphql`);
    expect(response?.status()).toBe(200);
    expect(browser.foreignRequests, 'the page must load nothing from other origins').toEqual([]);
    await replaceEditorText(page, '.graphiql-query-editor', 'query PageTest { agents(first: 5) { totalCount edges { node { name role } } } }');
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await replaceEditorText(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${key}` }));
    await page.getByRole('button', { name: /Execute query/ }).click();
    const result = page.locator('.graphiql-response');
    await result.getByText('GraphiQL Bot').waitFor();

    // Monaco renders spaces as no-break spaces.
    const text = (await result.innerText()).replace(/\u00a0/g, ' ');
    expect(JSON.parse(text)).toEqual({
      data: { agents: { totalCount: 1, edges: [{ node: { name: 'GraphiQL Bot', role: 'reviewer' } }] } },
    });
    // GraphiQL also sends its introspection query, so only one of its requests must carry the key.
    expect(sentAuthorization).toContain(`Bearer ${key}`);
    expect(browser.foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
