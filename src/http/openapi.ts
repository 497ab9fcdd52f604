import { z } from 'zod';
import { errorStatus } from '../errors/app-error.js';
import { LoginInput } from '../auth/login.js';
import type { RouteDef } from './routes/route-table.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as JsonSchema;

const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** Body fields = the command's schema minus the fields that come from the path. */
function bodySchemaOf(schema: z.ZodType, fromPath: string[]): z.ZodType {
  if (schema instanceof z.ZodObject && fromPath.length) {
    return schema.omit(Object.fromEntries(fromPath.map((f) => [f, true])) as Record<string, true>);
  }
  return schema;
}

const errorResponse = {
  description: 'Error (see the error codes)',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** The OpenAPI 3 document, generated from the same zod schemas that validate requests. */
export function buildOpenApi(routes: RouteDef[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {
    '/api/v1/auth/login': {
      post: {
        tags: ['auth'],
        summary: 'Log in and get a bearer token',
        security: [],
        requestBody: { required: true, content: { 'application/json': { schema: toSchema(LoginInput) } } },
        responses: { '200': { description: '{ token, user }' }, default: errorResponse },
      },
    },
  };
  for (const route of routes) {
    const fromPath = Object.values(route.params ?? {});
    const parameters: unknown[] = Object.keys(route.params ?? {}).map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    const op: Record<string, unknown> = { tags: [route.tag], responses: { default: errorResponse } };
    if (route.kind === 'command') {
      const body = bodySchemaOf(route.command.input, fromPath);
      op.summary = route.command.summary;
      op.operationId = route.command.name;
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } });
      if (route.method !== 'delete') {
        op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(body) } } };
      }
      op.responses = { [String(route.command.successStatus)]: { description: 'OK' }, default: errorResponse };
    } else {
      op.summary = route.query.summary;
      op.operationId = route.query.name;
      const query = bodySchemaOf(route.query.input, fromPath);
      const properties = (toSchema(query).properties ?? {}) as Record<string, unknown>;
      for (const [name, schema] of Object.entries(properties)) parameters.push({ name, in: 'query', required: false, schema });
      const alternatives = route.representations ?? [];
      op.responses = {
        '200': alternatives.length
          ? {
              description: `OK; JSON by default, ${alternatives.map((r) => r.mediaType).join(' or ')} when the Accept header prefers it`,
              content: {
                'application/json': { schema: { type: 'object' } },
                ...Object.fromEntries(alternatives.map((r) => [r.mediaType, { schema: { type: 'string' } }])),
              },
            }
          : { description: 'OK' },
        default: errorResponse,
      };
    }
    op.parameters = parameters;
    const path = `/api/v1${openApiPath(route.path)}`;
    paths[path] = { ...paths[path], [route.method]: op };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Benchline API', version: '1.0.0' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string', enum: Object.keys(errorStatus) },
                message: { type: 'string' },
                details: { type: 'object' },
              },
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
