// The OpenAPI 3.1 document of an app, built from the descriptions its routes were
// registered with (documented(router)) and the zod schemas that validate their input.
import type Koa from 'koa';
import { conventionsOf } from './conventions.js';
import { ComponentSchemas, type JsonSchema } from './json-schema.js';
import { PROBLEM_MEDIA_TYPE, problemSchema, sharedProblems } from './problems.js';
import { describedResponse, operationsOf, type DocumentedOperation } from './route.js';
import { mountedRouters, openApiPath } from './served.js';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiHeader {
  description: string;
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, OpenApiHeader>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: [];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, OpenApiResponse | { $ref: string }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  security: Record<string, []>[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, OpenApiResponse>;
    securitySchemes: Record<string, Record<string, string>>;
  };
}

const SECURITY_SCHEME = 'apiKey';

const description = `Tenure keeps every license and customer account of an MSP's managed customers in a known state, and moves it on time: notices, grace, suspension, deletion.

Authenticate with an API key: \`Authorization: Bearer <api key>\`. A key sees only its partner's objects; another partner's id answers 404.
Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\` and, for invalid input, the \`field\`.
Durations are ISO 8601 (\`P14D\`, \`PT10S\`); timestamps are RFC 3339.`;

export function openApiDocument(app: Koa): OpenApiDocument {
  const components = new ComponentSchemas();
  const problem = components.convert(problemSchema);
  const paths: OpenApiDocument['paths'] = {};
  const tags: string[] = [];
  const operationIds = new Set<string>();

  for (const router of mountedRouters(app)) {
    for (const documented of operationsOf(router)) {
      const path = openApiPath(`${router.opts.prefix ?? ''}${documented.path}`);
      if (operationIds.has(documented.operationId)) throw new Error(`operationId "${documented.operationId}" is used twice (${documented.method.toUpperCase()} ${path})`);
      operationIds.add(documented.operationId);
      if (!tags.includes(documented.tag)) tags.push(documented.tag);
      try {
        (paths[path] ??= {})[documented.method] = operation(documented, path, components, problem);
      } catch (error) {
        throw new Error(`Cannot document ${documented.method.toUpperCase()} ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  return {
    openapi: '3.1.1',
    info: { title: 'Tenure API', version: '1.0.0', description },
    tags: tags.map((name) => ({ name })),
    security: [{ [SECURITY_SCHEME]: [] }],
    paths,
    components: {
      schemas: components.schemas,
      responses: Object.fromEntries(
        Object.values(sharedProblems).map(({ name, description }) => [name, { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: problem } } }]),
      ),
      securitySchemes: {
        [SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', description: 'An API key of your partner, e.g. `Bearer tk_…`; its role (admin, operator, viewer) decides what it may do.' },
      },
    },
  };
}

function operation(documented: DocumentedOperation, path: string, components: ComponentSchemas, problem: JsonSchema): OpenApiOperation {
  const pathParameters = pathParametersOf(documented, path, components);
  const conventions = conventionsOf(documented, pathParameters.length > 0);
  const parameters = [...pathParameters, ...queryParametersOf(documented, components), ...conventions.headers];
  const description = [documented.description, roleNote(conventions.role)].filter(Boolean).join('\n\n');
  return {
    operationId: documented.operationId,
    summary: documented.summary,
    ...(description ? { description } : {}),
    tags: [documented.tag],
    ...(documented.public ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(documented.body
      ? {
          requestBody: {
            // An absent body is read as {}: the body is optional exactly when {} is valid.
            required: !documented.body.safeParse({}).success,
            content: { 'application/json': { schema: components.convert(documented.body) } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(documented.responses).map(([status, response]) => {
          const { description, content } = describedResponse(Number(status), response);
          const media = Object.entries(content).map(([type, schema]) => [type, { schema: components.convert(schema) }]);
          const headers = Number(status) < 300 ? conventions.answerHeaders : {};
          return [status, { description, ...(Object.keys(headers).length > 0 ? { headers } : {}), ...(media.length > 0 ? { content: Object.fromEntries(media) } : {}) }];
        }),
      ),
      ...Object.fromEntries(conventions.sharedProblems.map((status) => [status, { $ref: `#/components/responses/${sharedProblems[status]!.name}` }])),
      ...Object.fromEntries(
        Object.entries(conventions.problems).map(([status, description]) => [status, { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: problem } } }]),
      ),
    },
  };
}

function roleNote(role: DocumentedOperation['role']): string | undefined {
  if (role === 'operator') return 'Needs an `operator` or `admin` key.';
  if (role === 'admin') return 'Needs an `admin` key.';
  return undefined;
}

function pathParametersOf(documented: DocumentedOperation, path: string, components: ComponentSchemas): OpenApiParameter[] {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const declared = documented.params ? (components.convert(documented.params).properties as Record<string, JsonSchema>) : {};
  return names.map((name) => {
    const { description, ...schema } = declared[name] ?? { description: "A UUID; another partner's id answers 404", type: 'string', format: 'uuid' };
    return { name, in: 'path', required: true, ...(description ? { description: String(description) } : {}), schema };
  });
}

function queryParametersOf(documented: DocumentedOperation, components: ComponentSchemas): OpenApiParameter[] {
  if (!documented.query) return [];
  const schema = components.convert(documented.query);
  const required = (schema.required ?? []) as string[];
  return Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, { description, ...property }]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(description ? { description: String(description) } : {}),
    schema: property,
  }));
}
