import { OAuthError, issueClientCredentialsToken } from './oauth.js';
import { createSession } from './sessions.js';
import { sessionRequestBody, sessionResource, tokenError, tokenRequestBody, tokenResponse } from './rest-schemas.js';
import { AppError, ErrorCode, ValidationError, type FieldIssue } from '../errors.js';
import { readFormOrJson } from '../rest/body.js';
import { dataResponse, json } from '../rest/responses.js';
import { publicRoute, type RouteList } from '../rest/router.js';
import { dataEnvelope } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';

/** RFC 6749 requires token responses and their errors to be uncacheable. */
const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(error: OAuthError): Response {
  const headers: Record<string, string> = { ...noStore };
  if (error.status === 401) {
    headers['www-authenticate'] = 'Basic realm="agentgraph"';
  }

  return json({ error: error.error, error_description: error.description }, error.status, headers);
}

/** Reads client credentials from HTTP Basic authentication (RFC 6749 section 2.3.1) or the body. */
function clientCredentials(request: Request, body: Record<string, unknown>): { clientId: string; clientSecret: string } {
  const header = request.headers.get('authorization');
  if (header !== null && /^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OAuthError('invalid_client', 'Basic credentials must be client_id:client_secret', 401);
    }

    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    } catch (error) {
      if (error instanceof URIError) {
        throw new OAuthError(
          'invalid_client',
          'Basic credentials contain malformed percent-encoding in client_id or client_secret',
          401,
        );
      }
      throw error;
    }
  }
  const clientId = body.client_id;
  const clientSecret = body.client_secret;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || clientId === '' || clientSecret === '') {
    throw new OAuthError(
      'invalid_client',
      'Send client_id and client_secret with HTTP Basic authentication or in the request body',
      401,
    );
  }

  return { clientId, clientSecret };
}

function stringField(body: Record<string, unknown>, name: string, issues: FieldIssue[]): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    issues.push({ field: name, message: value === undefined ? 'is required' : 'must be a non-empty string' });

    return '';
  }

  return value;
}

export const accountRoutes: RouteList = [
  publicRoute({
    method: 'POST',
    path: '/api/v1/oauth/token',
    docs: {
      operationId: 'createOAuthToken',
      summary: 'Issue an OAuth access token',
      description:
        'The client credentials grant of RFC 6749 section 4.4. The client authenticates with HTTP Basic or with client_id and client_secret in the body. Errors use the RFC 6749 format, not the error envelope.',
      tag: 'auth',
      body: tokenRequestBody,
      bodyMediaTypes: ['application/x-www-form-urlencoded', 'application/json'],
      response: { status: 200, description: 'The access token', schema: tokenResponse },
      errors: ['auth_required'],
      errorBody: tokenError,
    },
    async handler({ request, deps }) {
      try {
        let body: Record<string, unknown>;
        try {
          body = await readFormOrJson(request, deps.config.maxBodyBytes);
        } catch (error) {
          if (error instanceof AppError && error.code !== ErrorCode.PayloadTooLarge) {
            throw new OAuthError('invalid_request', error.message);
          }
          throw error;
        }
        const grantType = body.grant_type;
        if (grantType === undefined || grantType === '') {
          throw new OAuthError('invalid_request', 'grant_type is required');
        }
        if (grantType !== 'client_credentials') {
          throw new OAuthError(
            'unsupported_grant_type',
            `grant_type ${JSON.stringify(grantType)} is not supported; use client_credentials`,
          );
        }
        const scope = body.scope;
        if (scope !== undefined && typeof scope !== 'string') {
          throw new OAuthError('invalid_request', 'scope must be a space-separated string');
        }
        const token = await issueClientCredentialsToken(
          deps.prisma,
          { ...clientCredentials(request, body), scope },
          deps.config.oauthTokenTtlSeconds,
        );

        return json(
          {
            access_token: token.accessToken,
            token_type: 'Bearer',
            expires_in: token.expiresIn,
            scope: token.scopes.join(' '),
          },
          200,
          noStore,
        );
      } catch (error) {
        if (error instanceof OAuthError) {
          return oauthError(error);
        }
        throw error;
      }
    },
  }),
  publicRoute({
    method: 'POST',
    path: '/api/auth.php',
    docs: {
      operationId: 'createSession',
      summary: 'Sign in with email and password (legacy)',
      description: 'Returns a session token that carries every scope. Kept for clients of the legacy API.',
      tag: 'auth',
      body: sessionRequestBody,
      bodyMediaTypes: ['application/json', 'application/x-www-form-urlencoded'],
      response: { status: 200, description: 'The session token', schema: dataEnvelope(sessionResource) },
      errors: ['auth_required'],
    },
    async handler({ request, deps }) {
      const body = await readFormOrJson(request, deps.config.maxBodyBytes);
      const issues: FieldIssue[] = [];
      const email = stringField(body, 'email', issues);
      const password = stringField(body, 'password', issues);
      if (issues.length > 0) {
        throw new ValidationError(issues);
      }
      const session = await createSession(deps.prisma, email, password, deps.config.sessionTtlSeconds);
      if (session === undefined) {
        throw new AppError(ErrorCode.AuthRequired, 'Invalid email or password');
      }
      const response = dataResponse({
        token: session.token,
        token_type: 'Bearer',
        expires_at: isoTimestamp(session.expiresAt),
        account: { id: session.account.id, email: session.account.email, plan: session.account.plan },
      });
      response.headers.set('cache-control', 'no-store');

      return response;
    },
  }),
];
