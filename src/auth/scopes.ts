/**
 * Scopes a credential may carry. `*` grants everything; `<resource>:write` also grants
 * `<resource>:read`, because a client that may change a resource must be able to see it.
 */
export const scopes = [
  '*',
  'agents:read',
  'agents:write',
  'chat:read',
  'chat:write',
  'tools:read',
  'tools:execute',
  'fleets:read',
  'fleets:write',
  'voice:read',
  'voice:write',
  'marketplace:read',
  'marketplace:write',
  'usage:read',
] as const;

export type Scope = (typeof scopes)[number];

const scopeSet: ReadonlySet<string> = new Set(scopes);

export function isScope(value: string): value is Scope {
  return scopeSet.has(value);
}

export function hasScope(granted: readonly string[], required: Scope): boolean {
  if (granted.includes('*') || granted.includes(required)) {
    return true;
  }
  if (required.endsWith(':read')) {
    return granted.includes(required.replace(/:read$/, ':write'));
  }

  return false;
}

/**
 * Splits a comma- or space-separated scope list and checks every entry, returning the
 * unknown ones separately so the caller can name them in its error.
 */
export function parseScopes(input: string | readonly string[]): { valid: Scope[]; unknown: string[] } {
  const items = typeof input === 'string' ? input.split(/[\s,]+/) : [...input];
  const valid: Scope[] = [];
  const unknown: string[] = [];
  for (const item of items.map((entry) => entry.trim()).filter((entry) => entry !== '')) {
    if (isScope(item)) {
      if (!valid.includes(item)) {
        valid.push(item);
      }
    } else {
      unknown.push(item);
    }
  }

  return { valid, unknown };
}

/** True when every scope in `requested` is granted by `granted`. */
export function coversScopes(granted: readonly string[], requested: readonly Scope[]): boolean {
  return requested.every((scope) =>
    scope === '*' ? granted.includes('*') : hasScope(granted, scope),
  );
}
