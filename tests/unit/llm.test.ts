import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { fitTurns, messageTokens } from '../../src/llm/context-window.js';
import { createModelRuntime, resolveModel } from '../../src/llm/models.js';

describe('model settings', () => {
  it('reads the model table as JSON', () => {
    const config = loadConfig({
      LLM_DEFAULT_MODEL: 'gpt-4o-mini',
      LLM_MODELS: '{"alfred-fast":"gpt-4o-mini","alfred-long":{"model":"gpt-4o","context_tokens":128000}}',
      LLM_CONTEXT_TOKENS: '16000',
    });

    expect(config.llmModels).toEqual([
      { name: 'alfred-fast', model: 'gpt-4o-mini', contextTokens: undefined },
      { name: 'alfred-long', model: 'gpt-4o', contextTokens: 128_000 },
    ]);
    const runtime = createModelRuntime(config);
    expect([...runtime.models.keys()]).toEqual(['alfred-default', 'alfred-fast', 'alfred-long']);
    expect(runtime.models.get('alfred-fast')?.contextTokens).toBe(16_000);
  });

  it('reads the model table as name=model pairs', () => {
    const config = loadConfig({ LLM_MODELS: 'alfred-local = llama3.2:3b, alfred-code=Qwen/Qwen2.5-Coder-7B-Instruct' });

    expect(config.llmModels.map((entry) => [entry.name, entry.model])).toEqual([
      ['alfred-local', 'llama3.2:3b'],
      ['alfred-code', 'Qwen/Qwen2.5-Coder-7B-Instruct'],
    ]);
  });

  it('takes alfred-default from the table', () => {
    const runtime = createModelRuntime(
      loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_MODELS: '{"alfred-default":{"model":"llama3.1","context_tokens":32768}}' }),
    );

    expect(resolveModel(runtime, 'alfred-default', 'Chat')).toEqual({
      name: 'alfred-default',
      providerModel: 'llama3.1',
      contextTokens: 32_768,
    });
  });

  const invalid: [string, Record<string, string>, string][] = [
    ['malformed JSON', { LLM_MODELS: '{"alfred-fast":' }, 'LLM_MODELS is not valid JSON'],
    ['a JSON array', { LLM_MODELS: '["gpt-4o"]' }, 'must be a JSON object'],
    ['a pair without a model', { LLM_MODELS: 'alfred-fast' }, 'name=model'],
    ['an upper-case name', { LLM_MODELS: 'Alfred=gpt-4o' }, 'name "Alfred"'],
    ['a tiny context', { LLM_MODELS: '{"alfred-x":{"model":"m","context_tokens":10}}' }, 'entry "alfred-x"'],
    ['an unknown entry field', { LLM_MODELS: '{"alfred-x":{"model":"m","max":1}}' }, 'entry "alfred-x"'],
    ['a base URL without a scheme', { OPENAI_BASE_URL: 'localhost:11434/v1' }, 'OPENAI_BASE_URL must be an http or https URL'],
    ['zero steps', { LLM_MAX_STEPS: '0' }, 'LLM_MAX_STEPS must be an integer from 1 to 100'],
    ['a fractional timeout', { LLM_TIMEOUT_MS: '1.5' }, 'LLM_TIMEOUT_MS'],
  ];

  for (const [name, environment, message] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => loadConfig(environment)).toThrow(ConfigError);
      expect(() => loadConfig(environment)).toThrow(message);
    });
  }

  it('rejects two different models for alfred-default', () => {
    expect(() => loadConfig({ LLM_DEFAULT_MODEL: 'a', LLM_MODELS: 'alfred-default=b' })).toThrow(
      'LLM_MODELS maps alfred-default to "b" but LLM_DEFAULT_MODEL is "a"',
    );
  });
});

describe('model resolution', () => {
  it('answers 503 without a provider, before checking the name', () => {
    const runtime = createModelRuntime(loadConfig({}));

    expect(() => resolveModel(runtime, 'no-such-model', 'Chat')).toThrow(/OPENAI_BASE_URL.*LLM_DEFAULT_MODEL/);
  });

  it('answers 400 for an unknown name with a provider', () => {
    const runtime = createModelRuntime(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', LLM_DEFAULT_MODEL: 'm' }));

    expect(() => resolveModel(runtime, 'no-such-model', 'Chat')).toThrow('model must be one of alfred-default, got "no-such-model"');
  });
});

describe('context window', () => {
  const turn = (question: string, answer: string): ModelMessage[] => [
    { role: 'user', content: question },
    { role: 'assistant', content: [{ type: 'text', text: answer }] },
  ];

  it('keeps the newest turns that fit', () => {
    const newest = turn('third question', 'third answer');
    const middle = turn('second question', 'second answer');
    const oldest = turn('first question', 'first answer');
    const size = (messages: ModelMessage[]) => messages.reduce((sum, message) => sum + messageTokens(message), 0);

    const fitted = fitTurns([newest, middle, oldest], size(newest) + size(middle));

    expect(fitted.messages).toEqual([...middle, ...newest]);
    expect(fitted.droppedTurns).toBe(1);
  });

  it('drops every turn when the newest does not fit', () => {
    expect(fitTurns([turn('a', 'b')], 3)).toEqual({ messages: [], droppedTurns: 1 });
  });

  it('counts special-token text as plain text', () => {
    expect(messageTokens({ role: 'user', content: 'a <|endoftext|> b' })).toBeGreaterThan(4);
  });
});
