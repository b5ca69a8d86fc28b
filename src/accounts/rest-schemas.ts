import { z } from 'zod';
import { scopes } from '../auth/scopes.js';
import { PlanTier } from '../generated/prisma/enums.js';
import { errorEnvelope, named, timestamp } from '../rest/route-docs.js';

export const tokenRequestBody = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().optional().describe('With client_secret, in place of HTTP Basic authentication'),
  client_secret: z.string().optional(),
  scope: z.string().optional().describe(`Space-separated subset of the app's scopes (${scopes.join(', ')}); all of them when left out`),
});

export const tokenResponse = named(
  'OAuthToken',
  z.object({
    access_token: z.string().describe('The bearer token, aat_…'),
    token_type: z.literal('Bearer'),
    expires_in: z.int().min(1).describe('Seconds until the token expires'),
    scope: z.string().describe('Space-separated granted scopes'),
  }),
);

/** RFC 6749 section 5.2 errors; a body over the size limit still gets the error envelope. */
export const tokenError = z.union([
  named(
    'OAuthError',
    z.object({
      error: z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'invalid_scope', 'unauthorized_client', 'unsupported_grant_type']),
      error_description: z.string(),
    }),
  ),
  errorEnvelope,
]);

export const sessionRequestBody = z.object({ email: z.string(), password: z.string() });

export const sessionResource = named(
  'Session',
  z.object({
    token: z.string().describe('The session token, sess_…'),
    token_type: z.literal('Bearer'),
    expires_at: timestamp,
    account: z.object({ id: z.int(), email: z.string(), plan: z.enum(Object.values(PlanTier)) }),
  }),
);
