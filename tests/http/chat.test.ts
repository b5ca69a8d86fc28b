import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/accounts/api-keys.js';
import { eventData, postAndReadStream } from '../support/event-stream.js';
import {
  httpError,
  rawStream,
  reply,
  slow,
  stall,
  startModelServer,
  streamError,
  toolCalls,
  type ModelServer,
} from '../support/model-server.js';
import { startDnsServer, type DnsPeer } from '../support/peers.js';
import { call, createTestAccount, graphql, startServer, type TestServer } from '../support/server.js';

type Response = Awaited<ReturnType<typeof call>>;

const run = promisify(execFile);

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
  expect(response.body.error.message).not.toBe('');
}

function expectInvalidFields(response: Response, fields: string[]): void {
  expectError(response, 400, 'validation_error');
  const details = response.body.error.details as { field: string }[];
  expect(details.map((issue) => issue.field).sort()).toEqual([...fields].sort());
}

/** Finds an executable on PATH, returning `undefined` when there is none. */
function findExecutable(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(folder, name), constants.X_OK);

      return join(folder, name);
    } catch {
      // not in this folder
    }
  }

  return undefined;
}

const exampleRecords = { 'example.com': [{ type: 'A' as const, value: '93.184.216.34', ttl: 300 }] };

const dnsCall = {
  id: 'call_dns',
  name: 'dns_lookup',
  arguments: '{"domain":"example.com","type":"A"}',
  argumentChunks: ['{"dom', 'ain":"exam', 'ple.com","ty', 'pe":"A"}'],
};

const lorem = (words: number) => 'lorem '.repeat(words).trim();

describe('chat', () => {
  let model: ModelServer;
  let dns: DnsPeer;
  let server: TestServer;
  let key: string;
  let accountId: number;
  let strangerKey: string;

  beforeAll(async () => {
    model = await startModelServer();
    dns = await startDnsServer(exampleRecords);
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'sk-test-secret',
      LLM_DEFAULT_MODEL: 'test-model',
      LLM_MODELS: JSON.stringify({
        'alfred-fast': 'fast-model',
        'alfred-small': { model: 'small-model', context_tokens: 1200 },
      }),
      LLM_REPLY_TOKENS: '200',
      LLM_MAX_RETRIES: '0',
      LLM_MAX_STEPS: '3',
      LLM_TIMEOUT_MS: '1500',
      DNS_SERVERS: dns.server,
    });
    const owner = await createTestAccount(server);
    key = owner.key;
    accountId = owner.account.id;
    strangerKey = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
    await dns?.close();
  });

  function chat(body: unknown, token = key): Promise<Response> {
    return call(server, 'POST', '/api/v1/chat', { token, json: body });
  }

  function stream(body: Record<string, unknown>, token = key) {
    return postAndReadStream(`${server.url}/api/v1/chat`, { ...body, stream: true }, { authorization: `Bearer ${token}` });
  }

  describe('POST /api/v1/chat', () => {
    it('returns the reply in the contract shape', async () => {
      model.script(reply('Hello there!', { usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 } }));
      const response = await chat({ message: 'Hi' });

      expect(response.status).toBe(200);
      expect(Object.keys(response.body.data).sort()).toEqual(
        ['conversation_id', 'execution_time_ms', 'model', 'reply', 'tokens_used', 'tools_used'].sort(),
      );
      expect(response.body.data.reply).toBe('Hello there!');
      expect(response.body.data.conversation_id).toMatch(/^conv_[0-9a-f]{24}$/);
      expect(response.body.data.model).toBe('alfred-default');
      expect(response.body.data.tools_used).toEqual([]);
      expect(response.body.data.tokens_used).toBe(42);
      expect(Number.isInteger(response.body.data.execution_time_ms)).toBe(true);
    });

    it('sends the provider model, defaults and key', async () => {
      model.script(reply('ok'));
      await chat({ message: 'Defaults please' });

      const sent = model.requests.at(-1)!;
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.headers.authorization).toBe('Bearer sk-test-secret');
      expect(sent.body.model).toBe('test-model');
      expect(sent.body.temperature).toBe(0.7);
      expect(sent.body.stream).not.toBe(true);
      expect(sent.body.tools).toBeUndefined();
      expect(sent.body.messages).toEqual([{ role: 'user', content: 'Defaults please' }]);
    });

    it('maps a public model name and passes the temperature', async () => {
      model.script(reply('fast'));
      const response = await chat({ message: 'Quick one', model: 'alfred-fast', temperature: 0.2 });

      expect(response.status).toBe(200);
      expect(response.body.data.model).toBe('alfred-fast');
      expect(model.requests.at(-1)!.body.model).toBe('fast-model');
      expect(model.requests.at(-1)!.body.temperature).toBe(0.2);
    });

    it('accepts a message of exactly 10,000 characters', async () => {
      model.script(reply('long read'));
      const response = await chat({ message: 'm'.repeat(10_000) });

      expect(response.status).toBe(200);
    });

    const invalidCases: [string, Record<string, unknown>, string][] = [
      ['message missing', {}, 'message'],
      ['message empty', { message: '' }, 'message'],
      ['message blank', { message: ' \n ' }, 'message'],
      ['message too long', { message: 'm'.repeat(10_001) }, 'message'],
      ['message a number', { message: 7 }, 'message'],
      ['temperature below 0', { message: 'hi', temperature: -0.1 }, 'temperature'],
      ['temperature above 1', { message: 'hi', temperature: 1.01 }, 'temperature'],
      ['temperature a string', { message: 'hi', temperature: 'warm' }, 'temperature'],
      ['model unknown', { message: 'hi', model: 'gpt-17' }, 'model'],
      ['model a number', { message: 'hi', model: 4 }, 'model'],
      ['tools a string', { message: 'hi', tools: 'hash' }, 'tools'],
      ['tool not snake_case', { message: 'hi', tools: ['Hash It'] }, 'tools.0'],
      ['tool outside the catalogue', { message: 'hi', tools: ['hash', 'product_lookup'] }, 'tools.1'],
      ['stream not a boolean', { message: 'hi', stream: 'yes' }, 'stream'],
      ['conversation_id a number', { message: 'hi', conversation_id: 12 }, 'conversation_id'],
      ['unknown field', { message: 'hi', max_tokens: 10 }, 'max_tokens'],
    ];

    for (const [name, body, field] of invalidCases) {
      it(`rejects ${name}`, async () => {
        const before = model.requests.length;
        expectInvalidFields(await chat(body), [field]);
        expect(model.requests.length).toBe(before);
      });
    }

    it('names the known models for an unknown one', async () => {
      const response = await chat({ message: 'hi', model: 'gpt-17' });

      expect(response.body.error.message).toContain('alfred-default');
      expect(response.body.error.message).toContain('alfred-fast');
    });

    it('rejects a message too long for the context window', async () => {
      const response = await chat({ message: lorem(1600), model: 'alfred-small' });

      expectInvalidFields(response, ['message']);
      expect(response.body.error.message).toContain('alfred-small');
    });

    it('rejects unknown and foreign conversations', async () => {
      model.script(reply('mine'));
      const foreign = await chat({ message: 'stranger talk' }, strangerKey);
      expect(foreign.status).toBe(200);
      const before = model.requests.length;

      for (const id of ['conv_000000000000000000000000', 'conv_abc', 'nope', foreign.body.data.conversation_id]) {
        expectError(await chat({ message: 'hi', conversation_id: id }), 404, 'resource_not_found');
        expectError(await call(server, 'GET', `/api/v1/chat/${id}`, { token: key }), 404, 'resource_not_found');
      }
      expect(model.requests.length).toBe(before);
    });

    it('runs a catalogue tool in the loop', async () => {
      const queriesBefore = dns.queries.length;
      model.script(
        toolCalls([{ id: 'call_dns', name: 'dns_lookup', arguments: '{"domain":"example.com"}' }]),
        reply('example.com has the A record 93.184.216.34.'),
      );
      const response = await chat({ message: 'What are the DNS records for example.com?', tools: ['dns_lookup'], temperature: 0.5 });

      expect(response.status).toBe(200);
      expect(response.body.data.reply).toBe('example.com has the A record 93.184.216.34.');
      expect(response.body.data.tools_used).toEqual(['dns_lookup']);
      expect(response.body.data.tokens_used).toBe(34);
      expect(dns.queries.slice(queriesBefore)).toEqual([{ name: 'example.com', type: 'A' }]);

      const [first, second] = model.requests.slice(-2);
      expect(first!.body.tools.map((tool: any) => tool.function.name)).toEqual(['dns_lookup']);
      expect(first!.body.tools[0].function.parameters.required).toEqual(['domain']);
      const toolMessage = second!.body.messages.at(-1);
      expect(toolMessage.role).toBe('tool');
      expect(toolMessage.tool_call_id).toBe('call_dns');
      expect(JSON.parse(toolMessage.content)).toEqual({ records: [{ type: 'A', value: '93.184.216.34', ttl: 300 }] });
      const assistant = second!.body.messages.at(-2);
      expect(assistant.content).toBeNull();
      expect(assistant.tool_calls).toEqual([
        { id: 'call_dns', type: 'function', function: { name: 'dns_lookup', arguments: '{"domain":"example.com"}' } },
      ]);

      const runs = await server.prisma.toolExecution.findMany({ where: { accountId, toolName: 'dns_lookup' } });
      expect(runs.some((entry) => entry.status === 'succeeded')).toBe(true);
    });

    it('returns tool failures to the model', async () => {
      model.script(
        toolCalls([
          { id: 'call_bad_type', name: 'dns_lookup', arguments: '{"domain":"example.com","type":"SRV"}' },
          { id: 'call_empty', name: 'hash', arguments: '' },
          { id: 'call_broken', name: 'hash', arguments: '{"input":' },
        ]),
        reply('Those calls failed.'),
      );
      const response = await chat({ message: 'Try the tools', tools: ['dns_lookup', 'hash'] });

      expect(response.status).toBe(200);
      expect(response.body.data.reply).toBe('Those calls failed.');
      expect(response.body.data.tools_used).toEqual(['dns_lookup', 'hash']);
      const results = model.requests.at(-1)!.body.messages.filter((message: any) => message.role === 'tool');
      const byId = new Map(results.map((message: any) => [message.tool_call_id, message.content]));
      expect(JSON.parse(byId.get('call_bad_type') as string).error.code).toBe('validation_error');
      // Empty arguments count as {}, which the schema then rejects for the missing input.
      expect(JSON.parse(byId.get('call_empty') as string).error.message).toContain('args.input');
      // Unparsable JSON never reaches the tool; the SDK reports it to the model instead.
      expect(byId.get('call_broken')).toMatch(/invalid|parse|JSON/i);
    });

    it('runs a tool that takes no arguments', async () => {
      model.script(toolCalls([{ id: 'call_uuid', name: 'uuid_generate', arguments: '' }]), reply('Here is one.'));
      const response = await chat({ message: 'Give me a UUID', tools: ['uuid_generate'] });

      expect(response.status).toBe(200);
      expect(response.body.data.tools_used).toEqual(['uuid_generate']);
      const result = JSON.parse(model.requests.at(-1)!.body.messages.at(-1).content);
      expect(result.error).toBeUndefined();
    });

    it('offers no tools on the last step', async () => {
      model.script(
        toolCalls([{ id: 'call_1', name: 'hash', arguments: '{"input":"a"}' }]),
        toolCalls([{ id: 'call_2', name: 'hash', arguments: '{"input":"b"}' }]),
        reply('Done hashing.'),
      );
      const response = await chat({ message: 'Hash twice', tools: ['hash'] });

      expect(response.status).toBe(200);
      expect(response.body.data.reply).toBe('Done hashing.');
      const [first, second, third] = model.requests.slice(-3);
      expect(first!.body.tools).toHaveLength(1);
      expect(second!.body.tools).toHaveLength(1);
      expect(third!.body.tools).toBeUndefined();
    });

    it('joins the text of several steps', async () => {
      model.script(
        toolCalls([{ id: 'call_h', name: 'hash', arguments: '{"input":"x"}' }], { text: 'Let me hash that.' }),
        reply('The digest is ready.'),
      );
      const response = await chat({ message: 'Hash x', tools: ['hash'] });

      expect(response.body.data.reply).toBe('Let me hash that.\n\nThe digest is ready.');
    });

    it('needs tools:execute to offer tools', async () => {
      const { token } = await createApiKey(server.prisma, accountId, { scopes: ['chat:write'] });
      const before = model.requests.length;
      const denied = await chat({ message: 'hash it', tools: ['hash'] }, token);

      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error.message).toContain('tools:execute');
      expect(model.requests.length).toBe(before);

      model.script(reply('no tools needed'));
      expect((await chat({ message: 'just talk' }, token)).status).toBe(200);
    });

    it('checks the chat scopes', async () => {
      const { token: readKey } = await createApiKey(server.prisma, accountId, { scopes: ['chat:read'] });
      const { token: writeKey } = await createApiKey(server.prisma, accountId, { scopes: ['chat:write'] });
      const { token: otherKey } = await createApiKey(server.prisma, accountId, { scopes: ['tools:read'] });

      const denied = await chat({ message: 'hi' }, readKey);
      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error.message).toContain('chat:write');
      expect((await call(server, 'GET', '/api/v1/chat', { token: readKey })).status).toBe(200);
      expect((await call(server, 'GET', '/api/v1/chat', { token: writeKey })).status).toBe(200);
      expectError(await call(server, 'GET', '/api/v1/chat', { token: otherKey }), 403, 'insufficient_scope');
      expectError(await call(server, 'GET', '/api/v1/chat'), 401, 'auth_required');
      expectError(await chat({ message: 'hi' }, 'ak_live_nope_nope'), 401, 'auth_required');
    });

    it('answers 502 when the provider fails and stores nothing', async () => {
      const before = (await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total;
      model.script(httpError(500, 'The server had an error while processing your request.'));
      const response = await chat({ message: 'Are you there?' });

      expectError(response, 502, 'upstream_error');
      expect(response.body.error.message).toContain('HTTP 500');
      expect(response.body.error.message).toContain('The server had an error');
      expect((await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total).toBe(before);
    });

    it('answers 504 when the provider is too slow', async () => {
      model.script(slow(4000, reply('too late')));
      const started = performance.now();
      const response = await chat({ message: 'Take your time' });

      expectError(response, 504, 'upstream_timeout');
      expect(response.body.error.message).toContain('LLM_TIMEOUT_MS');
      expect(response.body.error.message).toContain('1500 ms');
      expect(performance.now() - started).toBeLessThan(3500);
    });
  });

  describe('conversations', () => {
    it('sends history when continuing', async () => {
      model.script(
        toolCalls([{ id: 'call_first', name: 'hash', arguments: '{"input":"abc"}' }]),
        reply('The SHA-256 of abc is ba78…'),
      );
      const first = await chat({ message: 'Hash abc', tools: ['hash'] });
      const conversationId = first.body.data.conversation_id;

      model.script(reply('You asked me to hash abc.'));
      const second = await chat({ message: 'What did I ask?', conversation_id: conversationId });

      expect(second.status).toBe(200);
      expect(second.body.data.conversation_id).toBe(conversationId);
      const messages = model.requests.at(-1)!.body.messages;
      expect(messages.map((message: any) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
      expect(messages[0]).toEqual({ role: 'user', content: 'Hash abc' });
      expect(messages[1].tool_calls[0].id).toBe('call_first');
      expect(messages[2].tool_call_id).toBe('call_first');
      expect(messages[3]).toEqual({ role: 'assistant', content: 'The SHA-256 of abc is ba78…' });
      expect(messages[4]).toEqual({ role: 'user', content: 'What did I ask?' });
      // The history brings no tools along: this turn offered none.
      expect(model.requests.at(-1)!.body.tools).toBeUndefined();

      const stored = await call(server, 'GET', `/api/v1/chat/${conversationId}`, { token: key });
      expect(stored.body.data).toMatchObject({ id: conversationId, title: 'Hash abc', model: 'alfred-default', message_count: 6 });
      expect(stored.body.data.tokens_used).toBe(34 + 17);

      const listed = await call(server, 'GET', `/api/v1/chat/${conversationId}/messages`, { token: key });
      expect(listed.body.meta.total).toBe(6);
      const [user, call1, result, answer] = listed.body.data;
      expect(user).toMatchObject({ role: 'user', content: 'Hash abc' });
      expect(call1).toMatchObject({ role: 'assistant', content: '', tool_calls: [{ id: 'call_first', tool: 'hash', arguments: { input: 'abc' } }] });
      expect(result.role).toBe('tool');
      expect(result.tool_results[0]).toMatchObject({ id: 'call_first', tool: 'hash' });
      expect(result.tool_results[0].result.digest).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(answer).toMatchObject({ role: 'assistant', content: 'The SHA-256 of abc is ba78…', tool_calls: [] });
    });

    it('trims the oldest turns to the context window', async () => {
      // alfred-small has 1,200 tokens with 200 kept for the reply. Each turn below takes
      // about 400, so two earlier turns fit beside the new message and a third does not.
      let conversationId: string | undefined;
      for (const turn of [1, 2, 3]) {
        model.script(reply(`answer ${turn} ${lorem(90)}`));
        const response = await chat({
          message: `question ${turn} ${lorem(300)}`,
          model: 'alfred-small',
          ...(conversationId === undefined ? {} : { conversation_id: conversationId }),
        });
        expect(response.status).toBe(200);
        conversationId = response.body.data.conversation_id;
      }
      model.script(reply('short'));
      await chat({ message: 'And now?', model: 'alfred-small', conversation_id: conversationId });

      const messages = model.requests.at(-1)!.body.messages as { role: string; content: string }[];
      expect(messages.map((message) => message.content.split(' ').slice(0, 2).join(' '))).toEqual([
        'question 2',
        'answer 2',
        'question 3',
        'answer 3',
        'And now?',
      ]);
      expect(model.requests.at(-1)!.body.model).toBe('small-model');
    });

    it('lists conversations newest first with pagination', async () => {
      const { key: listKey } = await createTestAccount(server);
      const ids: string[] = [];
      for (const text of ['first', 'second', 'third']) {
        model.script(reply(`re: ${text}`));
        ids.push((await chat({ message: `The ${text} conversation` }, listKey)).body.data.conversation_id);
      }

      const page1 = await call(server, 'GET', '/api/v1/chat?per_page=2', { token: listKey });
      expect(page1.status).toBe(200);
      expect(page1.body.meta).toEqual({ total: 3, page: 1, per_page: 2, total_pages: 2 });
      expect(page1.body.data.map((item: any) => item.id)).toEqual([ids[2], ids[1]]);
      expect(Object.keys(page1.body.data[0]).sort()).toEqual(
        ['created_at', 'id', 'message_count', 'model', 'title', 'tokens_used', 'updated_at'].sort(),
      );
      expect(page1.body.data[0]).toMatchObject({ title: 'The third conversation', message_count: 2, model: 'alfred-default' });
      expect(page1.body.data[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const page2 = await call(server, 'GET', '/api/v1/chat?page=2&per_page=2', { token: listKey });
      expect(page2.body.data.map((item: any) => item.id)).toEqual([ids[0]]);

      model.script(reply('back to the first'));
      await chat({ message: 'Continuing', conversation_id: ids[0] }, listKey);
      const reordered = await call(server, 'GET', '/api/v1/chat', { token: listKey });
      expect(reordered.body.data.map((item: any) => item.id)).toEqual([ids[0], ids[2], ids[1]]);

      const strangers = await call(server, 'GET', '/api/v1/chat', { token: strangerKey });
      expect(strangers.body.data.map((item: any) => item.id)).not.toContain(ids[0]);
      expectInvalidFields(await call(server, 'GET', '/api/v1/chat?page=0', { token: listKey }), ['page']);
    });
  });

  describe('streaming', () => {
    it('sends the contract events in order', async () => {
      const queriesBefore = dns.queries.length;
      model.script(toolCalls([dnsCall]), reply(['Here are ', 'the DNS records', ':\n93.184.216.34'], { emptyDeltas: true }));
      const response = await stream({ message: 'What are the DNS records for example.com?', tools: ['dns_lookup'] });

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache, no-transform');
      expect(response.headers['x-accel-buffering']).toBe('no');
      const events = eventData(response.body);
      const done = events.at(-2) as { type: string; conversation_id: string };
      expect(done.type).toBe('done');
      expect(done.conversation_id).toMatch(/^conv_[0-9a-f]{24}$/);
      expect(response.body).toBe(
        [
          'data: {"type":"tool_start","tool":"dns_lookup"}',
          'data: {"type":"tool_end","tool":"dns_lookup"}',
          'data: {"type":"text","content":"Here are "}',
          'data: {"type":"text","content":"the DNS records"}',
          'data: {"type":"text","content":":\\n93.184.216.34"}',
          `data: {"type":"done","conversation_id":"${done.conversation_id}"}`,
          'data: [DONE]',
        ]
          .map((line) => `${line}\n\n`)
          .join(''),
      );
      expect((events[4] as { content: string }).content).toBe(':\n93.184.216.34');

      // The arguments arrived in four pieces after the call's id and name: one call ran,
      // with the whole arguments, and its result went back under the call's id.
      expect(dns.queries.slice(queriesBefore)).toEqual([{ name: 'example.com', type: 'A' }]);
      const [first, second] = model.requests.slice(-2);
      expect(first!.body.stream).toBe(true);
      expect(first!.body.stream_options).toEqual({ include_usage: true });
      expect(second!.body.messages.at(-2).tool_calls[0].function.arguments).toBe('{"domain":"example.com","type":"A"}');
      expect(second!.body.messages.at(-1).tool_call_id).toBe('call_dns');

      const stored = await call(server, 'GET', `/api/v1/chat/${done.conversation_id}`, { token: key });
      // Each step reported 17 tokens in its usage-only final chunk.
      expect(stored.body.data.tokens_used).toBe(34);
      expect(stored.body.data.message_count).toBe(4);
    });

    it('sends events as they happen', async () => {
      model.script(reply(['one ', 'two ', 'three'], { chunkDelayMs: 400 }));
      const response = await stream({ message: 'Count slowly' });

      const firstText = response.arrivals.find((arrival) => arrival.text.includes('"content":"one "'))!;
      const last = response.arrivals.at(-1)!;
      expect(last.text).toContain('data: [DONE]');
      expect(last.elapsedMs - firstText.elapsedMs).toBeGreaterThan(600);
    });

    it('runs parallel tool calls of one step', async () => {
      model.script(
        toolCalls([
          { id: 'call_A', name: 'hash', arguments: '{"input":"a"}', argumentChunks: ['{"inp', 'ut":"a"}'] },
          { id: 'call_B', name: 'hash', arguments: '{"input":"b","algorithm":"md5"}' },
        ]),
        reply('Both done.'),
      );
      const response = await stream({ message: 'Hash a and b', tools: ['hash'] });

      const events = eventData(response.body) as { type: string; tool?: string }[];
      expect(events.filter((event) => event.type === 'tool_start')).toHaveLength(2);
      expect(events.filter((event) => event.type === 'tool_end')).toHaveLength(2);
      expect(events.at(-1)).toBe('[DONE]');
      const results = model.requests.at(-1)!.body.messages.filter((message: any) => message.role === 'tool');
      expect(results.map((message: any) => message.tool_call_id)).toEqual(['call_A', 'call_B']);
      expect(JSON.parse(results[0].content).algorithm).toBe('sha256');
      expect(JSON.parse(results[1].content).algorithm).toBe('md5');
    });

    it('reads multi-line provider events', async () => {
      const head = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,';
      model.script(
        rawStream(
          `data: ${head}\r\ndata:"delta":{"role":"assistant","content":"o`,
          `k"},"finish_reason":null}]}\r\n\r\n`,
          'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\n',
          'data: [DONE]\r\n\r\n',
        ),
      );
      const response = await stream({ message: 'Odd framing' });

      expect(eventData(response.body).slice(0, 1)).toEqual([{ type: 'text', content: 'ok' }]);
      expect(eventData(response.body).at(-1)).toBe('[DONE]');
    });

    it('reports a failure mid-stream as an error event', async () => {
      const before = (await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total;
      model.script(streamError('The model crashed', ['Partial ']));
      const response = await stream({ message: 'Start and fail' });

      expect(response.status).toBe(200);
      expect(eventData(response.body)).toEqual([
        { type: 'text', content: 'Partial ' },
        { type: 'error', error: { code: 'upstream_error', message: 'The model provider reported an error: The model crashed', status: 502 } },
        '[DONE]',
      ]);
      expect((await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total).toBe(before);
    });

    it('reports a stalled stream as a timeout event', async () => {
      model.script(stall(['Thinking ']));
      const response = await stream({ message: 'Stall please' });

      const events = eventData(response.body);
      expect(events[0]).toEqual({ type: 'text', content: 'Thinking ' });
      expect((events[1] as any).error.code).toBe('upstream_timeout');
      expect(events[2]).toBe('[DONE]');
    });

    it('answers early failures with a status', async () => {
      model.script(httpError(500, 'Service overloaded'));
      const response = await stream({ message: 'Fail at once' });

      expect(response.status).toBe(502);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(response.body).error.code).toBe('upstream_error');
    });

    it('checks the request before streaming', async () => {
      const response = await stream({ message: '', tools: ['nope_tool'] });

      expect(response.status).toBe(400);
      expect(JSON.parse(response.body).error.code).toBe('validation_error');
    });

    it('aborts the model on disconnect', async () => {
      const before = (await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total;
      model.script(stall(['Still ', 'going ']));
      const controller = new AbortController();
      const response = await fetch(`${server.url}/api/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Talk forever', stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('"type":"text"');
      const upstream = model.requests.at(-1)!;
      controller.abort();

      await upstream.closed;
      expect(upstream.aborted).toBe(true);
      expect((await call(server, 'GET', '/api/v1/chat', { token: key })).body.meta.total).toBe(before);
    });

    it('streams to curl in the contract format', async (context) => {
      const curl = findExecutable('curl');
      if (curl === undefined) {
        context.skip();
      }
      model.script(reply(['Hello ', 'from curl']));
      const { stdout } = await run(curl!, [
        '-sS',
        '-N',
        '-X',
        'POST',
        `${server.url}/api/v1/chat`,
        '-H',
        `Authorization: Bearer ${key}`,
        '-H',
        'Content-Type: application/json',
        '-d',
        JSON.stringify({ message: 'Say hello', stream: true }),
      ]);

      const lines = stdout.split('\n');
      expect(lines[0]).toBe('data: {"type":"text","content":"Hello "}');
      expect(lines[1]).toBe('');
      expect(lines[2]).toBe('data: {"type":"text","content":"from curl"}');
      expect(lines[3]).toBe('');
      expect(lines[4]).toMatch(/^data: \{"type":"done","conversation_id":"conv_[0-9a-f]{24}"\}$/);
      expect(lines[5]).toBe('');
      expect(lines[6]).toBe('data: [DONE]');
      expect(lines.slice(7)).toEqual(['', '']);
    });
  });

  describe('GraphQL', () => {
    const chatStreamDocument = `subscription ChatStream($input: ChatInput!) {
      chatStream(input: $input) { type content tool conversationId error { code message status } }
    }`;

    it('answers the chat mutation', async () => {
      model.script(toolCalls([{ id: 'call_g', name: 'hash', arguments: '{"input":"g"}' }]), reply('Hashed over GraphQL.'));
      const result = await graphql(
        server,
        `mutation Chat($input: ChatInput!) {
          chat(input: $input) { reply conversationId model toolsUsed tokensUsed executionTimeMs }
        }`,
        { token: key, variables: { input: { message: 'Hash g', tools: ['hash'], temperature: 0.3 } } },
      );

      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.chat).toMatchObject({
        reply: 'Hashed over GraphQL.',
        model: 'alfred-default',
        toolsUsed: ['hash'],
        tokensUsed: 34,
      });
      expect(result.body.data.chat.conversationId).toMatch(/^conv_/);

      const listed = await graphql(server, '{ conversations(first: 1) { totalCount edges { node { id title messages { totalCount } } } } }', {
        token: key,
      });
      expect(listed.body.data.conversations.edges[0].node).toEqual({
        id: result.body.data.chat.conversationId,
        title: 'Hash g',
        messages: { totalCount: 4 },
      });
    });

    it('reports chat errors with their codes', async () => {
      const result = await graphql(server, 'mutation { chat(input: { message: "hi", model: "nope" }) { reply } }', { token: key });

      expect(result.body.errors[0].extensions.code).toBe('validation_error');
      const missing = await graphql(server, 'mutation { chat(input: { message: "hi", conversationId: "conv_000000000000000000000000" }) { reply } }', {
        token: key,
      });
      expect(missing.body.errors[0].extensions.code).toBe('resource_not_found');
    });

    it('streams chatStream chunks over graphql-ws in order', async () => {
      model.script(toolCalls([dnsCall]), reply(['Records: ', '93.184.216.34'], { emptyDeltas: true }));
      const client = createWsClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
      const chunks: any[] = [];
      try {
        const subscription = client.iterate({
          query: chatStreamDocument,
          variables: { input: { message: 'DNS for example.com?', tools: ['dns_lookup'] } },
        });
        const deadline = setTimeout(() => void subscription.return?.(), 10_000);
        for await (const result of subscription) {
          expect(result.errors).toBeUndefined();
          chunks.push(result.data!.chatStream);
        }
        clearTimeout(deadline);
      } finally {
        await client.dispose();
      }

      expect(chunks.map((chunk) => chunk.type)).toEqual(['tool_start', 'tool_end', 'text', 'text', 'done']);
      expect(chunks[0]).toEqual({ type: 'tool_start', content: null, tool: 'dns_lookup', conversationId: null, error: null });
      expect(chunks[1].tool).toBe('dns_lookup');
      expect(chunks.slice(2, 4).map((chunk) => chunk.content)).toEqual(['Records: ', '93.184.216.34']);
      expect(chunks[4].conversationId).toMatch(/^conv_[0-9a-f]{24}$/);

      const stored = await call(server, 'GET', `/api/v1/chat/${chunks[4].conversationId}`, { token: key });
      expect(stored.body.data.message_count).toBe(4);
    });

    it('rejects an invalid chatStream over graphql-ws', async () => {
      const client = createWsClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
      try {
        const subscription = client.iterate({ query: chatStreamDocument, variables: { input: { message: 'hi', tools: ['no_such_tool'] } } });
        const results = [];
        for await (const result of subscription) {
          results.push(result);
        }
        expect(results).toHaveLength(1);
        expect((results[0]!.errors![0] as any).extensions.code).toBe('validation_error');
      } finally {
        await client.dispose();
      }
    });

    it('frames chatStream SSE as next and complete', async () => {
      model.script(reply(['Over ', 'SSE']));
      const response = await postAndReadStream(
        `${server.url}/graphql`,
        { query: chatStreamDocument, variables: { input: { message: 'Stream over SSE' } } },
        { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
      );

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      const blocks = response.body.split('\n\n').filter((block) => block.trim() !== '' && !block.startsWith(':'));
      const complete = blocks.pop()!;
      expect(complete.split('\n')[0]).toBe('event: complete');
      expect(complete.split('\n')[1]).toMatch(/^data:/);
      const types = blocks.map((block) => {
        const [event, data] = block.split('\n');
        expect(event).toBe('event: next');
        expect(data!.startsWith('data: ')).toBe(true);

        return JSON.parse(data!.slice(6)).data.chatStream.type;
      });
      expect(types).toEqual(['text', 'text', 'done']);
    });

    it('serves chatStream to a graphql-sse client', async () => {
      model.script(reply(['graphql-sse ', 'works']));
      const client = createSseClient({ url: `${server.url}/graphql`, headers: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
      const chunks: any[] = [];
      try {
        for await (const result of client.iterate({ query: chatStreamDocument, variables: { input: { message: 'Via graphql-sse' } } })) {
          chunks.push((result.data as any).chatStream);
        }
      } finally {
        client.dispose();
      }

      expect(chunks.map((chunk) => chunk.content ?? chunk.type)).toEqual(['graphql-sse ', 'works', 'done']);
    });
  });
});

describe('chat without a provider', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer();
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 503 naming the settings', async () => {
    const response = await call(server, 'POST', '/api/v1/chat', { token: key, json: { message: 'Hello?', stream: true } });

    expectError(response, 503, 'service_unavailable');
    for (const setting of ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'LLM_DEFAULT_MODEL']) {
      expect(response.body.error.message).toContain(setting);
    }
  });

  it('still checks the body and serves the list', async () => {
    expectInvalidFields(await call(server, 'POST', '/api/v1/chat', { token: key, json: { message: '' } }), ['message']);
    const list = await call(server, 'GET', '/api/v1/chat', { token: key });
    expect(list.status).toBe(200);
    expect(list.body.meta.total).toBe(0);
    const result = await graphql(server, 'mutation { chat(input: { message: "hi" }) { reply } }', { token: key });
    expect(result.body.errors[0].extensions.code).toBe('service_unavailable');
  });
});

describe('chat with a provider but no default model', () => {
  let model: ModelServer;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    model = await startModelServer();
    server = await startServer({
      OPENAI_BASE_URL: model.baseUrl,
      LLM_MODELS: 'alfred-local=llama3.2:3b',
      LLM_MAX_RETRIES: '1',
    });
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
    await model?.close();
  });

  it('answers 503 for alfred-default', async () => {
    const response = await call(server, 'POST', '/api/v1/chat', { token: key, json: { message: 'hi' } });

    expectError(response, 503, 'service_unavailable');
    expect(response.body.error.message).toContain('LLM_DEFAULT_MODEL');
  });

  it('serves a model from name=model pairs without a key', async () => {
    model.script(reply('local hello'));
    const response = await call(server, 'POST', '/api/v1/chat', { token: key, json: { message: 'hi', model: 'alfred-local' } });

    expect(response.status).toBe(200);
    expect(model.requests.at(-1)!.body.model).toBe('llama3.2:3b');
    expect(model.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('retries a provider error', async () => {
    const before = model.requests.length;
    model.script(httpError(500, 'try again'), reply('second time lucky'));
    const response = await call(server, 'POST', '/api/v1/chat', { token: key, json: { message: 'retry', model: 'alfred-local' } });

    expect(response.status).toBe(200);
    expect(response.body.data.reply).toBe('second time lucky');
    expect(model.requests.length - before).toBe(2);
  });
});
