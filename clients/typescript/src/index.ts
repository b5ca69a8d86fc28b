export { Client, defaultBaseUrl, type ClientOptions } from './client.js';
export {
  ApiError,
  AuthError,
  ConnectionError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
  type FieldIssue,
} from './errors.js';
export { GraphQLClient, type GraphQLClientOptions } from './graphql-client.js';
export type { ChatParams } from './resources/chat.js';
export type { CreateRoomParams, SpeechParams, StartCallParams, TranscriptionParams } from './resources/voice.js';
export type { RequestOptions, RetryEvent, RetryOptions } from './transport.js';
export type * from './types.js';
export type { components, operations, paths } from './generated/openapi.js';
export { verifyAndParse, verifySignature, WebhookVerificationError, type WebhookPayload } from './webhooks.js';
