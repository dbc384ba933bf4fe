import { z } from 'zod';
import { API_ROUTES } from './api-routes.js';

/** The OpenAPI 3.1 document of every route, generated from the same schemas the server validates with. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of API_ROUTES) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: s,
        });
      }
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters,
      responses: {
        default: {
          description: r.stream
            ? 'text/event-stream'
            : 'JSON; errors as {error: {code, message, field}}',
        },
      },
    };
    if (r.body) {
      op.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }),
          },
        },
      };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chronoq API', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
