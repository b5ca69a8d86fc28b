import { AppError, ErrorCode } from '../errors.js';
import { builder } from '../graphql/builder.js';
import type { GraphQLContext } from '../graphql/context.js';
import { databaseIdOf } from '../graphql/tenancy.js';
import { KeyMode, PlanTier } from '../generated/prisma/enums.js';
import { parseDatabaseId } from '../ids.js';
import { describeApiKey, createApiKey, revokeApiKey } from './api-keys.js';
import { createOAuthApp, revokeOAuthApp } from './oauth.js';

export const PlanTierEnum = builder.enumType(PlanTier, { name: 'PlanTier' });
export const KeyModeEnum = builder.enumType(KeyMode, { name: 'KeyMode' });

/** Only the account itself may see its keys and apps; test credentials see test keys only. */
function ownKeyWhere(id: string, context: GraphQLContext) {
  const tenant = context.services().tenant;

  return {
    id: parseDatabaseId(id) ?? -1,
    accountId: tenant.accountId,
    ...(tenant.livemode ? {} : { mode: KeyMode.test }),
  };
}

export const ApiKeyNode = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for a row that the tenant filter hides.
  nullable: true,
  findUnique: (id, context) => ownKeyWhere(id, context),
  authScopes: { scope: '*' },
  description: 'An API key. Its secret is shown once, when it is created, and never stored.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    mode: t.expose('mode', { type: KeyModeEnum }),
    prefix: t.exposeString('prefix'),
    display: t.string({
      description: 'The key with its secret elided, as in ak_live_<prefix>_…',
      resolve: (key) => describeApiKey(key),
    }),
    scopes: t.exposeStringList('scopes'),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const OAuthAppNode = builder.prismaNode('OAuthApp', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for a row that the tenant filter hides.
  nullable: true,
  findUnique: (id, context) => ({ id: parseDatabaseId(id) ?? -1, accountId: context.services().tenant.accountId }),
  authScopes: { scope: '*' },
  description: 'A registered OAuth app; it exchanges its client credentials for access tokens.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    clientId: t.exposeString('clientId'),
    scopes: t.exposeStringList('scopes'),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AccountType = builder.prismaObject('Account', {
  description: 'The account that the credential of the request belongs to.',
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    plan: t.expose('plan', { type: PlanTierEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    apiKeys: t.relation('apiKeys', {
      authScopes: { scope: '*' },
      query: (_args, context) => ({
        where: context.services().tenant.livemode ? {} : { mode: KeyMode.test },
        orderBy: { id: 'asc' },
      }),
    }),
    oauthApps: t.relation('oauthApps', {
      authScopes: { scope: '*' },
      query: { orderBy: { id: 'asc' } },
    }),
  }),
});

const CredentialKindEnum = builder.enumType('CredentialKind', {
  values: ['api_key', 'oauth_token', 'session'] as const,
});

interface Viewer {
  livemode: boolean;
  scopes: string[];
  credentialKind: 'api_key' | 'oauth_token' | 'session';
}

const ViewerType = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is calling: the account, the mode and what the credential may do.',
  fields: (t) => ({
    livemode: t.exposeBoolean('livemode', { description: 'False for ak_test_ keys.' }),
    scopes: t.exposeStringList('scopes'),
    credentialKind: t.expose('credentialKind', { type: CredentialKindEnum }),
  }),
});

builder.objectField(ViewerType, 'account', (t) =>
  t.prismaField({
    type: AccountType,
    resolve: (query, _viewer, _args, context) =>
      context.prisma.account.findUniqueOrThrow({ ...query, where: { id: context.services().tenant.accountId } }),
  }),
);

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    authScopes: { authenticated: true },
    resolve: (_parent, _args, context) => {
      const principal = context.principal!;

      return {
        livemode: principal.livemode,
        scopes: principal.scopes,
        credentialKind: principal.credential.kind,
      };
    },
  }),
);

builder.relayMutationField(
  'createApiKey',
  {
    inputFields: (t) => ({
      name: t.string(),
      scopes: t.stringList({ description: 'Scopes of the key; defaults to ["*"].' }),
      test: t.boolean({ description: 'Create an ak_test_ sandbox key instead of a live one.' }),
    }),
  },
  {
    authScopes: { scope: '*' },
    description: 'Creates an API key. The returned token is the only time its secret is shown.',
    resolve: async (_parent, { input }, context) => {
      const tenant = context.services().tenant;
      const test = input.test ?? !tenant.livemode;
      if (!tenant.livemode && !test) {
        throw new AppError(ErrorCode.InsufficientScope, 'A test-mode credential may create only test keys: pass test: true');
      }
      const created = await createApiKey(context.prisma, tenant.accountId, {
        name: input.name ?? undefined,
        scopes: input.scopes ?? undefined,
        test,
      });
      context.log.info({ keyId: created.key.id, mode: created.key.mode }, 'created API key');

      return created;
    },
  },
  {
    outputFields: (t) => ({
      token: t.string({ resolve: (created) => created.token }),
      apiKey: t.field({ type: ApiKeyNode, resolve: (created) => created.key }),
    }),
  },
);

builder.relayMutationField(
  'revokeApiKey',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: '*' },
    description: 'Revokes a key; requests with it are refused from then on. Revoking twice is harmless.',
    resolve: async (_parent, { input }, context) => {
      const tenant = context.services().tenant;
      const id = databaseIdOf(String(input.id), 'ApiKey', 'API key');
      const existing = await context.prisma.apiKey.findFirst({ where: { id, accountId: tenant.accountId } });
      if (existing === null || (!tenant.livemode && existing.mode !== KeyMode.test)) {
        throw new AppError(ErrorCode.ResourceNotFound, `API key ${String(input.id)} was not found`);
      }
      const apiKey = await revokeApiKey(context.prisma, tenant.accountId, { id });
      context.log.info({ keyId: apiKey.id }, 'revoked API key');

      return { apiKey };
    },
  },
  { outputFields: (t) => ({ apiKey: t.field({ type: ApiKeyNode, resolve: (payload) => payload.apiKey }) }) },
);

function assertLiveMode(context: GraphQLContext): number {
  const tenant = context.services().tenant;
  if (!tenant.livemode) {
    throw new AppError(ErrorCode.InsufficientScope, 'OAuth apps are managed with live credentials only');
  }

  return tenant.accountId;
}

builder.relayMutationField(
  'createOAuthApp',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      scopes: t.stringList({ description: 'Scopes its tokens may carry; defaults to ["*"].' }),
    }),
  },
  {
    authScopes: { scope: '*' },
    description: 'Registers an OAuth app. The client secret is shown only in this response.',
    resolve: async (_parent, { input }, context) => {
      const created = await createOAuthApp(context.prisma, assertLiveMode(context), {
        name: input.name,
        scopes: input.scopes ?? undefined,
      });
      context.log.info({ appId: created.app.id }, 'registered OAuth app');

      return created;
    },
  },
  {
    outputFields: (t) => ({
      clientId: t.string({ resolve: (created) => created.clientId }),
      clientSecret: t.string({ resolve: (created) => created.clientSecret }),
      oauthApp: t.field({ type: OAuthAppNode, resolve: (created) => created.app }),
    }),
  },
);

builder.relayMutationField(
  'revokeOAuthApp',
  { inputFields: (t) => ({ clientId: t.string({ required: true }) }) },
  {
    authScopes: { scope: '*' },
    description: 'Revokes an app and every access token it was issued.',
    resolve: async (_parent, { input }, context) => ({
      oauthApp: await revokeOAuthApp(context.prisma, assertLiveMode(context), input.clientId),
    }),
  },
  { outputFields: (t) => ({ oauthApp: t.field({ type: OAuthAppNode, resolve: (payload) => payload.oauthApp }) }) },
);
