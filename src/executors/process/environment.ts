import type { RunInput } from '../executor.js';

/** The payload as the child receives it on stdin and in `CHRONOQ_PAYLOAD`. */
export function payloadJson(payload: unknown): string {
  try {
    return JSON.stringify(payload === undefined ? null : payload) ?? 'null';
  } catch {
    return 'null';
  }
}

/**
 * The child's environment: `base`, then the spec's `env`, then `CHRONOQ_TASK_ID`,
 * `CHRONOQ_ATTEMPT`, `CHRONOQ_SHARD_INDEX` and `CHRONOQ_SHARD_TOTAL` (for a shard) and `CHRONOQ_PAYLOAD`. The payload is left out of the environment when it is
 * longer than `maxPayloadBytes` (the kernel refuses one variable past 128 KiB); stdin always
 * carries it.
 */
export function childEnvironment(
  base: NodeJS.ProcessEnv,
  input: RunInput,
  specEnv: Record<string, string> | undefined,
  payload: string,
  maxPayloadBytes: number,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    ...specEnv,
    CHRONOQ_TASK_ID: input.taskId,
    CHRONOQ_ATTEMPT: String(input.attempt),
  };
  if (input.shard) {
    env.CHRONOQ_SHARD_INDEX = String(input.shard.index);
    env.CHRONOQ_SHARD_TOTAL = String(input.shard.total);
  }
  if (Buffer.byteLength(payload, 'utf8') <= maxPayloadBytes) env.CHRONOQ_PAYLOAD = payload;
  else delete env.CHRONOQ_PAYLOAD;
  return env;
}
