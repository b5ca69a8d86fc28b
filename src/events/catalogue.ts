import type { Scope } from '../auth/scopes.js';

/**
 * Every event the platform raises, in the order of the webhook section of the API
 * contract. Webhook endpoints subscribe to these names, and the `events` subscription
 * filters on them.
 */
export const eventTypes = [
  'agent.created',
  'agent.deployed',
  'agent.completed',
  'agent.error',
  'fleet.created',
  'fleet.deployed',
  'tool.executed',
  'voice.call.started',
  'voice.call.ended',
  'voice.room.created',
  'marketplace.installed',
  'usage.threshold',
] as const;

export type EventType = (typeof eventTypes)[number];

export function isEventType(value: string): value is EventType {
  return (eventTypes as readonly string[]).includes(value);
}

// Payloads use the snake_case field names of the REST contract, because the same object
// is the `data` of a webhook body. They are type aliases rather than interfaces so that
// they stay assignable to the `Record<string, unknown>` that `recordEvent` takes.

export type AgentCreatedData = {
  agent_id: number;
  agent_name: string;
  role: string;
  fleet_id: number | null;
  status: string;
};

/** The one payload shape the contract shows. */
export type AgentDeployedData = {
  agent_id: number;
  agent_name: string;
  fleet_id: number | null;
  status: string;
};

export type AgentCompletedData = {
  agent_id: number;
  agent_name: string;
  fleet_id: number | null;
  /** Set when the task ran inside a conversation. */
  conversation_id: string | null;
  execution_time_ms: number;
  tools_used: string[];
};

export type AgentErrorData = {
  agent_id: number;
  agent_name: string;
  fleet_id: number | null;
  conversation_id: string | null;
  /** An error code of the API, such as `upstream_error` or `tool_timeout`. */
  error_code: string;
  message: string;
};

export type FleetCreatedData = {
  fleet_id: number;
  fleet_name: string;
  max_agents: number;
  auto_scale: boolean;
};

export type FleetDeployedData = {
  fleet_id: number;
  fleet_name: string;
  /** The run that the deployment queued, as `GET /fleets/{id}/runs/{run_id}` names it. */
  run_id: number;
  task: string;
  strategy: string;
  agent_count: number;
};

export type ToolExecutedData = {
  tool: string;
  status: 'succeeded' | 'failed' | 'timed_out';
  credits: number;
  execution_time_ms: number;
  /** The error message of a failed run; `null` when it succeeded. */
  error: string | null;
};

export type VoiceCallStartedData = {
  call_id: number;
  agent_id: number | null;
  to: string;
  voice_engine: string | null;
};

export type VoiceCallEndedData = {
  call_id: number;
  agent_id: number | null;
  status: string;
  duration_seconds: number;
};

export type VoiceRoomCreatedData = {
  room_id: number | string;
  room_name: string;
  max_participants: number;
  voice_engine: string | null;
  agent_id: number | null;
};

export type MarketplaceInstalledData = {
  item_id: number | string;
  item_name: string;
  item_type: 'agent' | 'tool' | 'fleet_template' | 'extension';
};

export type UsageThresholdData = {
  period: string;
  /** A usage metric of `GET /usage`, such as `api_calls` or `voice_minutes`. */
  metric: string;
  /** 80 or 100: the share of the limit that was reached. */
  threshold_percent: number;
  used: number;
  limit: number;
};

/** The `data` of each event type. */
export type EventPayloads = {
  'agent.created': AgentCreatedData;
  'agent.deployed': AgentDeployedData;
  'agent.completed': AgentCompletedData;
  'agent.error': AgentErrorData;
  'fleet.created': FleetCreatedData;
  'fleet.deployed': FleetDeployedData;
  'tool.executed': ToolExecutedData;
  'voice.call.started': VoiceCallStartedData;
  'voice.call.ended': VoiceCallEndedData;
  'voice.room.created': VoiceRoomCreatedData;
  'marketplace.installed': MarketplaceInstalledData;
  'usage.threshold': UsageThresholdData;
};

/**
 * The scope that reads the resource an event is about. A subscriber sees an event only
 * with this scope, because the payload discloses that resource.
 */
export const eventReadScopes: Record<EventType, Scope> = {
  'agent.created': 'agents:read',
  'agent.deployed': 'agents:read',
  'agent.completed': 'agents:read',
  'agent.error': 'agents:read',
  'fleet.created': 'fleets:read',
  'fleet.deployed': 'fleets:read',
  'tool.executed': 'tools:read',
  'voice.call.started': 'voice:read',
  'voice.call.ended': 'voice:read',
  'voice.room.created': 'voice:read',
  'marketplace.installed': 'marketplace:read',
  'usage.threshold': 'usage:read',
};
