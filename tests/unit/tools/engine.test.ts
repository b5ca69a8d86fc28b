import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { defineTool, ToolError } from '../../../src/tools/definition.js';
import { inputSchemaProblems } from '../../../src/tools/engine.js';
import { publicOnlyNetwork, runTool } from '../../support/tools.js';

function toolRunning(run: (args: { n: number }) => unknown) {
  return defineTool<{ n: number }>({
    name: 'engine_probe',
    description: 'Runs a test body',
    category: 'development',
    tier: 'free',
    tags: ['test'],
    inputSchema: {
      type: 'object',
      properties: { n: { type: 'integer', description: 'A number', default: 2 } },
      additionalProperties: false,
    },
    run,
  });
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the run to fail');
}

describe('tool engine', () => {
  it('applies defaults before running', async () => {
    expect(await runTool(toolRunning((args) => ({ doubled: args.n * 2 })), {})).toEqual({ doubled: 4 });
  });

  it('wraps non-object results', async () => {
    expect(await runTool(toolRunning(() => 7), {})).toEqual({ value: 7 });
    expect(await runTool(toolRunning(() => undefined), {})).toEqual({ value: null });
  });

  it('reports a tool error with its message', async () => {
    const error = await failure(runTool(toolRunning(() => { throw new ToolError('no such domain'); }), {}));
    expect(error.code).toBe('tool_error');
    expect(error.status).toBe(422);
    expect(error.message).toBe('Tool engine_probe failed: no such domain');
  });

  it('contains an unexpected throw', async () => {
    const error = await failure(runTool(toolRunning(() => { throw new TypeError('boom'); }), {}));
    expect(error.code).toBe('tool_error');
    expect(error.message).toContain('boom');
  });

  it('stops a run at its time limit', async () => {
    let aborted = false;
    const tool = toolRunning(
      () =>
        new Promise(() => {
          // Never settles, like a peer that never answers.
        }),
    );
    const slow = defineTool({ ...tool, run: (_args: { n: number }, context) => {
      context.signal.addEventListener('abort', () => (aborted = true));
      return tool.run(_args, context);
    } });
    const error = await failure(runTool(slow, {}, { limits: { timeoutMs: 50 } }));
    expect(error.code).toBe('tool_timeout');
    expect(error.status).toBe(504);
    expect(error.message).toContain('50 ms');
    expect(aborted).toBe(true);
  });

  it('rejects a result that refers to itself', async () => {
    const error = await failure(runTool(toolRunning(() => { const loop: Record<string, unknown> = {}; loop.self = loop; return loop; }), {}));
    expect(error.code).toBe('tool_error');
    expect(error.message).toContain('not JSON');
  });

  it('caps the output size', async () => {
    const error = await failure(runTool(toolRunning(() => ({ text: 'x'.repeat(5000) })), {}, { limits: { maxOutputBytes: 1024 } }));
    expect(error.code).toBe('tool_error');
    expect(error.message).toContain('more than the limit of 1024 bytes');
  });

  it('lists every invalid argument', async () => {
    const error = await failure(runTool(toolRunning(() => ({})), { n: 'two', extra: 1 }));
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([
      { field: 'args.extra', message: 'is not an accepted argument' },
      { field: 'args.n', message: 'must be integer' },
    ]);
  });
});

describe('input schema check', () => {
  it('accepts an object schema', () => {
    expect(inputSchemaProblems({ type: 'object', properties: { a: { type: 'string' } } })).toBeUndefined();
  });

  it('rejects what is not an argument schema', () => {
    expect(inputSchemaProblems([])).toBe('must be a JSON Schema object');
    expect(inputSchemaProblems({ type: 'string' })).toContain('"type": "object"');
    expect(inputSchemaProblems({ type: 'object', properties: { a: { type: 'strin' } } })).toContain('not a valid JSON Schema');
    expect(inputSchemaProblems({ type: 'object', properties: { a: { $ref: '#/nowhere' } } })).toContain('cannot be compiled');
  });
});

describe('outbound network guard', () => {
  const signal = new AbortController().signal;
  const refused = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1'];

  it('refuses non-public addresses', () => {
    for (const address of refused) {
      expect(() => publicOnlyNetwork.assertAllowedAddress(address), address).toThrow(ToolError);
    }
  });

  it('allows public addresses', () => {
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) {
      expect(() => publicOnlyNetwork.assertAllowedAddress(address), address).not.toThrow();
    }
  });

  it('refuses IP literals in URLs without connecting', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://127.0.0.1/']) {
      await expect(publicOnlyNetwork.fetch(url, { signal, maxBytes: 100 }), url).rejects.toThrow(/OUTBOUND_ALLOWED_CIDRS/);
    }
  });

  it('refuses names that resolve to loopback', async () => {
    await expect(publicOnlyNetwork.fetch('http://localhost:8080/', { signal, maxBytes: 100 })).rejects.toThrow(/OUTBOUND_ALLOWED_CIDRS/);
  });

  it('refuses other schemes', async () => {
    await expect(publicOnlyNetwork.fetch('file:///etc/passwd', { signal, maxBytes: 100 })).rejects.toThrow(/Only http and https/);
  });
});
