import type { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound } from '../errors.js';
import type { Prisma, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.js';
import { parseDatabaseId } from '../ids.js';
import { parseInput, type FieldNames } from '../validation.js';
import {
  createWebhookInput,
  updateWebhookInput,
  type CreateWebhookInput,
  type UpdateWebhookInput,
} from './schemas.js';
import { generateWebhookSecret } from './signature.js';

/** Endpoints per account and mode; each event is queued once per endpoint. */
export const maxEndpointsPerTenant = 50;

type EndpointQuery = Omit<Prisma.WebhookEndpointFindManyArgs, 'where' | 'orderBy' | 'skip' | 'take' | 'cursor'>;

/** An endpoint with its signing secret, which only creation and rotation return. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export type DeliveryWithAttempts = WebhookDelivery & { attemptLog: WebhookAttempt[] };

function tenantWhere(ctx: ServiceContext): Prisma.WebhookEndpointWhereInput {
  return { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
}

/** Reads an endpoint of the tenant; another account's endpoint is "not found". */
export async function getWebhookEndpoint(
  ctx: ServiceContext,
  id: string | number,
  query: EndpointQuery = {},
): Promise<WebhookEndpoint> {
  const endpointId = parseDatabaseId(id);
  const endpoint =
    endpointId === undefined
      ? null
      : await ctx.prisma.webhookEndpoint.findFirst({ ...query, where: { ...tenantWhere(ctx), id: endpointId } });
  if (endpoint === null) {
    throw notFound('Webhook endpoint', id);
  }

  return endpoint;
}

/** Lists the tenant's endpoints, oldest first, for offset pagination. */
export async function listWebhookEndpoints(
  ctx: ServiceContext,
  page: { offset: number; limit: number },
): Promise<{ endpoints: WebhookEndpoint[]; total: number }> {
  const where = tenantWhere(ctx);
  const [endpoints, total] = await ctx.prisma.$transaction([
    ctx.prisma.webhookEndpoint.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.webhookEndpoint.count({ where }),
  ]);

  return { endpoints, total };
}

/** Lists the tenant's endpoints with a Pothos connection query. */
export async function findWebhookEndpoints(
  ctx: ServiceContext,
  query: Prisma.WebhookEndpointFindManyArgs,
): Promise<WebhookEndpoint[]> {
  return ctx.prisma.webhookEndpoint.findMany({ ...query, where: tenantWhere(ctx), orderBy: { id: 'asc' } });
}

export async function countWebhookEndpoints(ctx: ServiceContext): Promise<number> {
  return ctx.prisma.webhookEndpoint.count({ where: tenantWhere(ctx) });
}

/** Creates an endpoint with a new signing secret, returned here and never again. */
export async function createWebhookEndpoint(
  ctx: ServiceContext,
  input: CreateWebhookInput,
  fieldNames: FieldNames = {},
): Promise<EndpointWithSecret> {
  const data = parseInput(createWebhookInput, input, fieldNames);
  const created = await insertWebhookEndpoint(ctx.prisma, ctx, data);
  ctx.log.info({ endpointId: created.endpoint.id, events: created.endpoint.events }, 'created webhook endpoint');

  return created;
}

/**
 * Writes a checked endpoint for the caller's tenant through `db`, which may be a
 * transaction of another domain, within the per-tenant endpoint limit.
 */
export async function insertWebhookEndpoint(
  db: Prisma.TransactionClient,
  ctx: ServiceContext,
  data: z.output<typeof createWebhookInput>,
): Promise<EndpointWithSecret> {
  if ((await db.webhookEndpoint.count({ where: tenantWhere(ctx) })) >= maxEndpointsPerTenant) {
    throw new AppError(
      ErrorCode.Conflict,
      `An account can have at most ${maxEndpointsPerTenant} webhook endpoints in each mode; delete one before adding another`,
    );
  }
  const secret = generateWebhookSecret();
  const endpoint = await db.webhookEndpoint.create({
    data: {
      accountId: ctx.tenant.accountId,
      livemode: ctx.tenant.livemode,
      url: data.url,
      description: data.description,
      events: data.events,
      enabled: data.enabled,
      secret,
    },
  });

  return { endpoint, secret };
}

/** Changes the fields present in `input`; an empty input returns the endpoint unchanged. */
export async function updateWebhookEndpoint(
  ctx: ServiceContext,
  id: string | number,
  input: UpdateWebhookInput,
  fieldNames: FieldNames = {},
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(ctx, id);
  const data = parseInput(updateWebhookInput, input, fieldNames);
  const changes: Prisma.WebhookEndpointUpdateManyMutationInput = {};
  if (data.url !== undefined) changes.url = data.url;
  if (data.events !== undefined) changes.events = data.events;
  if (data.enabled !== undefined) changes.enabled = data.enabled;
  if (data.description !== undefined) changes.description = data.description;
  if (Object.keys(changes).length === 0) {
    return current;
  }

  return updateOwnEndpoint(ctx, current.id, id, changes);
}

async function updateOwnEndpoint(
  ctx: ServiceContext,
  endpointId: number,
  requestedId: string | number,
  changes: Prisma.WebhookEndpointUpdateManyMutationInput,
): Promise<WebhookEndpoint> {
  const [updated] = await ctx.prisma.webhookEndpoint.updateManyAndReturn({
    where: { ...tenantWhere(ctx), id: endpointId },
    data: changes,
  });
  if (updated === undefined) {
    throw notFound('Webhook endpoint', requestedId);
  }

  return updated;
}

/** Deletes an endpoint together with its deliveries and their attempt logs. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, id: string | number): Promise<WebhookEndpoint> {
  const endpoint = await getWebhookEndpoint(ctx, id);
  const { count } = await ctx.prisma.webhookEndpoint.deleteMany({ where: { ...tenantWhere(ctx), id: endpoint.id } });
  if (count === 0) {
    throw notFound('Webhook endpoint', id);
  }
  ctx.log.info({ endpointId: endpoint.id }, 'deleted webhook endpoint');

  return endpoint;
}

/**
 * Replaces the signing secret at once: attempts from now on are signed with the new one,
 * including retries of deliveries queued before.
 */
export async function rotateWebhookSecret(ctx: ServiceContext, id: string | number): Promise<EndpointWithSecret> {
  const current = await getWebhookEndpoint(ctx, id);
  const secret = generateWebhookSecret();
  const endpoint = await updateOwnEndpoint(ctx, current.id, id, { secret });
  ctx.log.info({ endpointId: endpoint.id }, 'rotated webhook signing secret');

  return { endpoint, secret };
}

function deliveryOrder(): Prisma.WebhookDeliveryOrderByWithRelationInput[] {
  return [{ createdAt: 'desc' }, { id: 'desc' }];
}

/** Lists an endpoint's deliveries, newest first. */
export async function listDeliveries(
  ctx: ServiceContext,
  endpointId: string | number,
  page: { offset: number; limit: number },
): Promise<{ deliveries: WebhookDelivery[]; total: number }> {
  const endpoint = await getWebhookEndpoint(ctx, endpointId, { select: { id: true } });
  const where = { endpointId: endpoint.id };
  const [deliveries, total] = await ctx.prisma.$transaction([
    ctx.prisma.webhookDelivery.findMany({ where, orderBy: deliveryOrder(), skip: page.offset, take: page.limit }),
    ctx.prisma.webhookDelivery.count({ where }),
  ]);

  return { deliveries, total };
}

function deliveryWhere(ctx: ServiceContext, deliveryId: string, endpointId?: number): Prisma.WebhookDeliveryWhereInput {
  return { id: deliveryId, endpoint: { ...tenantWhere(ctx), ...(endpointId === undefined ? {} : { id: endpointId }) } };
}

/**
 * Reads a delivery of the tenant with its attempts in order. With `endpointId` the delivery
 * must also belong to that endpoint, as REST paths name both.
 */
export async function getDelivery(
  ctx: ServiceContext,
  deliveryId: string,
  endpointId?: string | number,
): Promise<DeliveryWithAttempts> {
  const endpoint = endpointId === undefined ? undefined : (await getWebhookEndpoint(ctx, endpointId, { select: { id: true } })).id;
  const delivery = await ctx.prisma.webhookDelivery.findFirst({
    where: deliveryWhere(ctx, deliveryId, endpoint),
    include: { attemptLog: { orderBy: { number: 'asc' } } },
  });
  if (delivery === null) {
    throw notFound('Webhook delivery', deliveryId);
  }

  return delivery;
}

/** Lists the attempts of all deliveries of an endpoint, newest first. */
export async function listAttempts(
  ctx: ServiceContext,
  endpointId: string | number,
  page: { offset: number; limit: number },
): Promise<{ attempts: WebhookAttempt[]; total: number }> {
  const endpoint = await getWebhookEndpoint(ctx, endpointId, { select: { id: true } });
  const where = { delivery: { endpointId: endpoint.id } };
  const [attempts, total] = await ctx.prisma.$transaction([
    ctx.prisma.webhookAttempt.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: page.offset,
      take: page.limit,
    }),
    ctx.prisma.webhookAttempt.count({ where }),
  ]);

  return { attempts, total };
}

/**
 * Queues a delivery again, with the same delivery id and a fresh retry schedule, whatever
 * its status. A delivery that is being sent right now is a conflict.
 */
export async function redeliver(
  ctx: ServiceContext,
  deliveryId: string,
  endpointId?: string | number,
): Promise<DeliveryWithAttempts> {
  const delivery = await getDelivery(ctx, deliveryId, endpointId);
  const [queued] = await ctx.prisma.webhookDelivery.updateManyAndReturn({
    where: { id: delivery.id, status: { not: 'sending' } },
    data: { status: 'pending', scheduledAttempts: 0, nextAttemptAt: new Date(), completedAt: null },
  });
  if (queued === undefined) {
    throw new AppError(
      ErrorCode.Conflict,
      `Webhook delivery ${delivery.id} is being sent right now; wait for the attempt to finish and try again`,
    );
  }
  ctx.log.info({ deliveryId: delivery.id, endpointId: delivery.endpointId }, 'queued webhook redelivery');

  // The state as queued: a worker may already be sending it by the time a re-read ran.
  return { ...queued, attemptLog: delivery.attemptLog };
}
