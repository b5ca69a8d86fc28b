import { readJsonEvents } from '../sse.js';
import type { RequestOptions } from '../transport.js';
import type { BodyOf, ChatChunk, QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

export type ChatParams = Omit<BodyOf<'sendChatMessage'>, 'stream'>;

/** `/api/v1/chat`: messages to the model and the conversations they belong to. */
export class Chat extends Resource {
  /** Sends a message and waits for the whole reply. */
  async send(params: ChatParams, options?: RequestOptions): Promise<ResponseOf<'sendChatMessage'>> {
    const { data } = await this.rest.POST('/api/v1/chat', {
      body: { ...params, stream: false },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /**
   * Sends a message and yields the reply as it is generated: `text` chunks in order,
   * `tool_start` and `tool_end` around each tool call, and `done` with the conversation
   * id. An `error` chunk is raised as the matching error class. The request starts on
   * the first iteration; breaking out of the loop closes the connection.
   */
  async *stream(params: ChatParams, options?: RequestOptions): AsyncGenerator<ChatChunk, void, undefined> {
    const { response } = await this.rest.POST('/api/v1/chat', {
      body: { ...params, stream: true },
      headers: { accept: 'text/event-stream' },
      parseAs: 'stream',
      fetch: this.fetchWith(options),
    });

    yield* readJsonEvents<ChatChunk>(response);
  }

  /** One page of conversations, oldest first. */
  async list(query: QueryOf<'listConversations'> = {}, options?: RequestOptions): Promise<ResponseOf<'listConversations'>> {
    const { data } = await this.rest.GET('/api/v1/chat', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(conversationId: string, options?: RequestOptions): Promise<ResponseOf<'getConversation'>> {
    const { data } = await this.rest.GET('/api/v1/chat/{id}', {
      params: { path: { id: conversationId } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** One page of a conversation's messages, oldest first. */
  async messages(
    conversationId: string,
    query: QueryOf<'listConversationMessages'> = {},
    options?: RequestOptions,
  ): Promise<ResponseOf<'listConversationMessages'>> {
    const { data } = await this.rest.GET('/api/v1/chat/{id}/messages', {
      params: { path: { id: conversationId }, query },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}
