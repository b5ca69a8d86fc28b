import { AppError, ErrorCode } from '../errors.js';
import { findUnstorableText, isNestedDeeperThan, nestingTooDeepError, unstorableTextError } from '../validation.js';

function payloadTooLarge(maxBytes: number): AppError {
  return new AppError(
    ErrorCode.PayloadTooLarge,
    `Request body is larger than the limit of ${maxBytes} bytes`,
  );
}

/** Rejects a request whose declared `Content-Length` exceeds `maxBytes`. */
export function assertDeclaredLength(request: Request, maxBytes: number): void {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    throw payloadTooLarge(maxBytes);
  }
}

/** Reads the body as text, stopping as soon as it passes `maxBytes`, declared or not. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  assertDeclaredLength(request, maxBytes);
  if (request.body === null) {
    return '';
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }

  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

function describeJsonValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }

  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function mediaType(request: Request): string | undefined {
  const header = request.headers.get('content-type');

  return header === null ? undefined : header.split(';')[0]?.trim().toLowerCase();
}

/**
 * Reads a JSON object body. A missing or wrong `Content-Type` is 415, malformed JSON or a
 * body that is not an object is 400, and a body over the limit is 413.
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  const text = await readText(request, maxBytes);
  if (text.trim() === '' && options.optional === true) {
    return {};
  }
  const type = mediaType(request);
  if (type !== 'application/json' && !(type?.endsWith('+json') ?? false)) {
    throw new AppError(
      ErrorCode.UnsupportedMediaType,
      `Content-Type must be application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`,
    );
  }
  if (text.trim() === '') {
    throw new AppError(ErrorCode.ValidationError, 'Request body is empty: send a JSON object');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    throw new AppError(ErrorCode.ValidationError, `Request body is not valid JSON: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError(
      ErrorCode.ValidationError,
      `Request body must be a JSON object, got ${describeJsonValue(parsed)}`,
    );
  }

  if (isNestedDeeperThan(parsed)) {
    throw nestingTooDeepError('body');
  }
  const unstorable = findUnstorableText(parsed, 'body');
  if (unstorable !== undefined) {
    throw unstorableTextError(unstorable.replace(/^body\./, ''));
  }

  return parsed as Record<string, unknown>;
}

/**
 * Reads an `application/x-www-form-urlencoded` or JSON body into string fields, as the
 * OAuth token endpoint and the legacy sign-in endpoint accept both.
 */
export async function readFormOrJson(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  if (mediaType(request) === 'application/x-www-form-urlencoded') {
    const text = await readText(request, maxBytes);
    const fields = Object.fromEntries(new URLSearchParams(text));
    const unstorable = findUnstorableText(fields, 'body');
    if (unstorable !== undefined) {
      throw unstorableTextError(unstorable.replace(/^body\./, ''));
    }

    return fields;
  }

  return readJsonObject(request, maxBytes);
}
