import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ChronoqError, type ErrorCode } from '../../protocol/errors.js';

/** Fastify's own error codes, mapped onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid',
  FST_ERR_VALIDATION: 'invalid',
  FST_ERR_BAD_URL: 'invalid',
  FST_ERR_MAX_PARAM_LENGTH: 'invalid',
};

/** The single place errors become HTTP answers. */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const e = toChronoqError(err);
  if (e.code === 'internal') request.log.error({ err }, 'request failed');
  void reply.code(e.status).send(e.toBody());
}

export function toChronoqError(err: unknown): ChronoqError {
  if (err instanceof ChronoqError) return err;
  const f = err as Partial<FastifyError> & { message?: string };
  if (f.code && FASTIFY_CODES[f.code]) {
    const code = FASTIFY_CODES[f.code]!;
    const where =
      f.code === 'FST_ERR_BAD_URL' || f.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path' : 'body';
    return new ChronoqError(
      code,
      code === 'invalid' ? `${where}: ${f.message}` : (f.message ?? code),
    );
  }
  if (f.statusCode === 413) return new ChronoqError('too_large', f.message ?? 'request too large');
  if (f.statusCode === 400 || err instanceof SyntaxError) {
    return new ChronoqError('invalid', `body: ${f.message ?? 'malformed request'}`);
  }
  return new ChronoqError('internal', 'internal error');
}
