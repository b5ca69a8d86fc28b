import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';

const pagePath = '/docs';
const assetPrefix = '/docs/assets/';

/** Files of swagger-ui-dist that the page loads, by the name it requests them under. */
const swaggerUiFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function page(documentUrl: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>agentgraph REST API reference</title>
    <link rel="icon" type="image/png" href="${assetPrefix}favicon-32x32.png" />
    <link rel="stylesheet" href="${assetPrefix}swagger-ui.css" />
  </head>
  <body>
    <div id="api-reference"></div>
    <script src="${assetPrefix}swagger-ui-bundle.js"></script>
    <script src="${assetPrefix}swagger-ui-standalone-preset.js"></script>
    <script src="${assetPrefix}init.js" data-document-url="${documentUrl}"></script>
  </body>
</html>
`;
}

// validatorUrl: null keeps Swagger UI from sending the document to the public validator
// service for its badge; the page loads nothing from outside this server.
const initScript = `const documentUrl = document.currentScript.dataset.documentUrl;
window.ui = SwaggerUIBundle({
  url: documentUrl,
  dom_id: '#api-reference',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: true,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: 'StandaloneLayout',
});
`;

/**
 * Serves the interactive REST API reference at `/docs`: Swagger UI from the installed
 * swagger-ui-dist package, reading the server's own OpenAPI document, so that the page
 * works without internet access.
 */
export function useApiReference(options: { documentUrl: string }): Plugin {
  const distFolder = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Promise<Buffer>>();
  const html = page(options.documentUrl);

  const asset = (name: string): Promise<Buffer> => {
    let content = cache.get(name);
    if (content === undefined) {
      content = readFile(join(distFolder, name));
      // A failed read is retried on the next request rather than cached.
      content.catch(() => cache.delete(name));
      cache.set(name, content);
    }

    return content;
  };

  return {
    async onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return;
      }
      if (url.pathname === pagePath || url.pathname === `${pagePath}/`) {
        endResponse(new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }));

        return;
      }
      if (!url.pathname.startsWith(assetPrefix)) {
        return;
      }
      const name = url.pathname.slice(assetPrefix.length);
      if (name === 'init.js') {
        endResponse(new Response(initScript, { headers: { 'content-type': 'text/javascript; charset=utf-8' } }));

        return;
      }
      const contentType = swaggerUiFiles[name];
      if (contentType === undefined) {
        return;
      }
      const body = await asset(name);
      endResponse(
        new Response(new Uint8Array(body), {
          headers: { 'content-type': contentType, 'cache-control': 'public, max-age=3600' },
        }),
      );
    },
  };
}
