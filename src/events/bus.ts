import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Tenant } from '../auth/principal.js';
import { serviceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EventType } from './catalogue.js';

/** An event as subscribers receive it; it crosses Redis as JSON, so the timestamp is text. */
export interface PublishedEvent {
  id: string;
  type: EventType;
  accountId: number;
  livemode: boolean;
  /** ISO 8601 in UTC. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** Publishes committed events to the subscribers of their tenant, on every instance. */
export interface EventBus {
  /** `redis` when events cross instances, `memory` when they stay in this process. */
  readonly kind: 'redis' | 'memory';
  publish(event: PublishedEvent): void;
  /**
   * Subscribes to the events of `tenant` whose type `accepts` allows. The listener is in
   * place, and with Redis the channel subscription confirmed, when the promise resolves,
   * so an event published after that is never missed.
   */
  subscribe(tenant: Tenant, accepts: (type: EventType) => boolean): Promise<AsyncIterableIterator<PublishedEvent>>;
  close(): Promise<void>;
}

export interface EventBusOptions {
  redisUrl: string | undefined;
  /** Prefix of the pub/sub channel names, such as `agentgraph:`. */
  channelPrefix: string;
  log: Logger;
}

type Topics = Record<string, [string, PublishedEvent]>;

function tenantKey(tenant: Tenant): string {
  return `${tenant.accountId}:${tenant.livemode ? 'live' : 'test'}`;
}

/**
 * Creates the event bus: Yoga's pub/sub over an in-process `EventTarget`, or over Redis
 * when `redisUrl` is set. Each tenant has its own channel, so an instance receives only
 * the events of tenants that someone on it is subscribed to.
 */
export function createEventBus(options: EventBusOptions): EventBus {
  const routingKey = `${options.channelPrefix}events`;
  let publishClient: Redis | undefined;
  let subscribeClient: Redis | undefined;
  let pubSub;
  if (options.redisUrl === undefined) {
    pubSub = createPubSub<Topics>();
  } else {
    // A connection in subscriber mode can run no other commands, hence two clients.
    publishClient = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    subscribeClient = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    for (const [role, client] of [['publish', publishClient], ['subscribe', subscribeClient]] as const) {
      // ioredis reports every failed reconnection, so an outage is logged once a minute.
      let lastLogged = 0;
      let failures = 0;
      client.on('error', (error: Error) => {
        failures += 1;
        if (Date.now() - lastLogged >= 60_000) {
          lastLogged = Date.now();
          options.log.warn({ err: error, role, failures }, 'Redis event bus connection failed; reconnecting');
        }
      });
      client.on('ready', () => {
        failures = 0;
      });
    }
    pubSub = createPubSub<Topics>({ eventTarget: createRedisEventTarget(guardedClients(publishClient, subscribeClient, options.log)) });
  }

  return {
    kind: options.redisUrl === undefined ? 'memory' : 'redis',

    publish(event) {
      pubSub.publish(routingKey, tenantKey(event), event);
    },

    async subscribe(tenant, accepts) {
      const topicId = tenantKey(tenant);
      const source = pubSub.subscribe(routingKey, topicId);
      // A Repeater runs its executor, which adds the listener, on the first `next()`. That
      // call is made here, and its result is handed out as the first value.
      let first: Promise<IteratorResult<PublishedEvent>> | undefined = source.next();
      // Subscribing again to a channel is a no-op in Redis. Awaiting it waits until the
      // event target's own SUBSCRIBE, sent before it on the same connection, is confirmed.
      try {
        await subscribeClient?.subscribe(`${routingKey}:${topicId}`);
      } catch (error) {
        await source.return();
        options.log.error({ err: error, accountId: tenant.accountId }, 'could not subscribe to events in Redis');
        throw serviceUnavailable('Live events are unavailable because Redis at REDIS_URL does not respond; try again later');
      }

      const iterator: AsyncIterableIterator<PublishedEvent> = {
        async next() {
          for (;;) {
            const result = await (first ?? source.next());
            first = undefined;
            if (result.done === true || accepts(result.value.type)) {
              return result;
            }
          }
        },
        return: () => source.return(),
        throw: (error: unknown) => source.throw(error),
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };

      return iterator;
    },

    async close() {
      await Promise.all(
        [publishClient, subscribeClient].map(async (client) => {
          if (client !== undefined && client.status !== 'end') {
            await client.quit().catch(() => client.disconnect());
          }
        }),
      );
    },
  };
}

type EventTargetClients = Parameters<typeof createRedisEventTarget>[0];

/**
 * Wraps the two clients for the Redis event target, which sends PUBLISH, SUBSCRIBE and
 * UNSUBSCRIBE without awaiting them. While Redis is down those commands fail, and the
 * failures are logged here instead of becoming unhandled rejections that end the process.
 * Only the methods the event target calls are provided.
 */
function guardedClients(publishClient: Redis, subscribeClient: Redis, log: Logger): EventTargetClients {
  let lastLogged = 0;
  let failures = 0;
  // During an outage every event fails to publish, so failures are logged once a minute.
  const logFailure = (command: string) => (error: unknown) => {
    failures += 1;
    if (Date.now() - lastLogged >= 60_000) {
      lastLogged = Date.now();
      log.warn({ err: error, command, failures }, 'Redis event bus command failed; live subscribers miss events meanwhile');
    }

    return 0;
  };
  const publisher = {
    publish: (channel: string, message: string) => publishClient.publish(channel, message).catch(logFailure('PUBLISH')),
  };
  const subscriber = {
    on(event: 'message', listener: (channel: string, message: string) => void) {
      subscribeClient.on(event, listener);

      return subscriber;
    },
    subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(logFailure('SUBSCRIBE')),
    unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(logFailure('UNSUBSCRIBE')),
  };

  return {
    publishClient: publisher as unknown as EventTargetClients['publishClient'],
    subscribeClient: subscriber as unknown as EventTargetClients['subscribeClient'],
  };
}
