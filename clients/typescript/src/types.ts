import type { components, operations } from './generated/openapi.js';

/** Every schema of the OpenAPI document, by component name. */
export type Schemas = components['schemas'];

export type OperationId = keyof operations;

type SuccessStatus = 200 | 201 | 202;

/** The JSON body of an operation's success response. */
export type ResponseOf<Op extends OperationId> = {
  [Status in SuccessStatus & keyof operations[Op]['responses']]: operations[Op]['responses'][Status] extends {
    content: { 'application/json': infer Body };
  }
    ? Body
    : never;
}[SuccessStatus & keyof operations[Op]['responses']];

/** The JSON request body of an operation. */
export type BodyOf<Op extends OperationId> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer Body } } ? Body : never;

/** The query parameters of an operation. */
export type QueryOf<Op extends OperationId> = NonNullable<operations[Op]['parameters']['query']>;

export type Agent = Schemas['Agent'];
export type AgentExecution = Schemas['AgentExecution'];
export type Fleet = Schemas['Fleet'];
export type FleetRun = Schemas['FleetRun'];
export type FleetRunStep = Schemas['FleetRunStep'];
export type ChatReply = Schemas['ChatReply'];
export type ChatChunk = Schemas['ChatChunk'];
export type Conversation = Schemas['Conversation'];
export type ChatMessage = Schemas['ChatMessage'];
export type Tool = Schemas['Tool'];
export type ToolSummary = Schemas['ToolSummary'];
export type ToolCategory = Schemas['ToolCategory'];
export type ToolRun = Schemas['ToolRun'];
export type UsageSummary = Schemas['UsageSummary'];
export type UsageRecord = Schemas['UsageRecord'];
export type PageMeta = Schemas['PageMeta'];
export type VoiceCall = Schemas['VoiceCall'];
export type VoiceRoom = Schemas['VoiceRoom'];
export type CreatedVoiceRoom = Schemas['CreatedVoiceRoom'];
export type Transcription = Schemas['Transcription'];
export type VoiceEngine = NonNullable<Schemas['Agent']['voice_engine']>;
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type MarketplaceItem = Schemas['MarketplaceItem'];
export type MarketplaceItemSummary = Schemas['MarketplaceItemSummary'];
export type MarketplaceInstallation = Schemas['MarketplaceInstallation'];
export type MarketplaceRating = Schemas['MarketplaceRating'];
export type ErrorEnvelope = Schemas['Error'];

/** `{"data": ...}` */
export interface DataEnvelope<Data> {
  data: Data;
}

/** One page of a paginated list. */
export interface PageEnvelope<Item> {
  data: Item[];
  meta: PageMeta;
}
