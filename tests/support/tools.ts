import { createLogger } from '../../src/logger.js';
import type { BuiltinTool } from '../../src/tools/definition.js';
import { runBuiltinTool, type RunLimits } from '../../src/tools/engine.js';
import { createOutboundNetwork, parseCidrs } from '../../src/tools/network.js';

/** The network policy of tool tests: public addresses plus loopback, where test peers listen. */
export const loopbackNetwork = createOutboundNetwork(parseCidrs(['127.0.0.0/8', '::1/128']));

/** The production policy, with nothing private allowed. */
export const publicOnlyNetwork = createOutboundNetwork([]);

const log = createLogger('silent');

/**
 * Runs a built-in tool through the same engine as the API: arguments validated against
 * its input schema with defaults applied, then a time limit and an output cap.
 */
export async function runTool(
  tool: BuiltinTool,
  args: Record<string, unknown>,
  options: { limits?: Partial<RunLimits>; network?: typeof loopbackNetwork } = {},
): Promise<Record<string, unknown>> {
  const outcome = await runBuiltinTool(
    tool,
    args,
    { network: options.network ?? loopbackNetwork, log },
    { timeoutMs: 5_000, maxOutputBytes: 256 * 1024, ...options.limits },
  );

  return outcome.result;
}
