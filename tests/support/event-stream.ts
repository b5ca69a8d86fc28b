import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A streamed response read with node:http, with the time each piece arrived. */
export interface RawStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  body: string;
  /** Pieces of the body in arrival order, with milliseconds since the request was sent. */
  arrivals: { elapsedMs: number; text: string }[];
}

/**
 * POSTs `json` to `url` and reads the whole response body with node:http, so that the
 * test checks the bytes on the wire rather than what a client library makes of them.
 */
export function postAndReadStream(
  url: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<RawStream> {
  const payload = JSON.stringify(json);
  const started = performance.now();

  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (response) => {
        const arrivals: RawStream['arrivals'] = [];
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          arrivals.push({ elapsedMs: performance.now() - started, text });
        });
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: arrivals.map((arrival) => arrival.text).join(''),
            arrivals,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * Splits an SSE body into its events' data, joining multi-line data with `\n` as the SSE
 * specification requires, and skipping comments. Each `[DONE]` stays a string, and every
 * other event is parsed as JSON.
 */
export function eventData(body: string): unknown[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .flatMap((block) => {
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length === 0) {
        return [];
      }
      const text = data.join('\n');

      return [text === '[DONE]' ? text : JSON.parse(text)];
    });
}
