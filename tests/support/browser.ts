import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const chromiumPath = '/usr/bin/chromium';

export const chromiumMissingMessage =
  `no browser at ${chromiumPath}; install Debian's chromium package (apt-get install -y chromium), as .ci/run does`;

/** Reports whether page tests can run. In CI (`CI` set) they run regardless and fail without the browser. */
export function shouldRunPageTests(): boolean {
  return existsSync(chromiumPath) || process.env.CI !== undefined;
}

// Flags that keep Chromium from reaching any service of its own (updates, sync, field
// trials), so that every request it sends is one the page under test made.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Every request the pages sent to another origin than `allowedOrigin`; each was aborted. */
  foreignRequests: string[];
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile. Requests to other origins than
 * `allowedOrigin` are aborted and recorded, so a page that needs the internet fails its
 * test instead of passing on a machine that happens to be online.
 */
export async function launchBrowser(allowedOrigin: string): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Cannot run page tests: ${chromiumMissingMessage}`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'agentgraph-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const foreignRequests: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === allowedOrigin) {
      await route.continue();

      return;
    }
    foreignRequests.push(url);
    await route.abort('blockedbyclient');
  });

  return {
    context,
    foreignRequests,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
