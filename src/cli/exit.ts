import { CommanderError } from 'commander';
import { ChronoqApiError, ChronoqNetworkError, ChronoqValidationError } from '../client/index.js';

/** Exit codes of `chronoq`, as CONTRACT.md fixes them. */
export const EXIT = {
  /** Success (and, for `wait` / `submit --wait`, the task succeeded). */
  ok: 0,
  /** The API refused, the server was unreachable, or the task did not succeed. */
  failure: 1,
  /** Bad usage: unknown option, missing argument, invalid flag value or spec. */
  usage: 2,
} as const;

/** A flag or argument the user got wrong: exit code 2. */
export class UsageError extends Error {
  /** The flag or spec field at fault. */
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.name = 'UsageError';
    this.field = field;
  }
}

/** The exit code an error ends the command with. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError || err instanceof ChronoqValidationError) return EXIT.usage;
  return EXIT.failure;
}

/** The `error: …` line printed for an error, naming the field when it is known. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const field = err instanceof UsageError || err instanceof ChronoqApiError ? err.field : undefined;
  const withField = field && !message.includes(field) ? `${message} (field ${field})` : message;
  const hint =
    err instanceof ChronoqNetworkError && /ECONNREFUSED/.test(message)
      ? ' (is the server running? give --url or set CHRONOQ_URL)'
      : '';
  return `error: ${withField}${hint}`;
}
