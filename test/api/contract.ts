// The served OpenAPI document read as the contract a generated client relies on: which
// statuses each operation answers, what its answers look like, and what it calls a valid
// request. JSON Schema 2020-12 with formats (ajv), as a client generator would read it.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { OpenApiDocument, OpenApiOperation, OpenApiParameter, OpenApiResponse } from '../../api/openapi/document.js';

const BASE = 'https://tenure.test/openapi.json';
const RESPONSE_REF = '#/components/responses/';

export interface Operation {
  method: string;
  /** As the document writes it: /v1/licenses/{id}/renew */
  path: string;
  operation: OpenApiOperation;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export const nameOf = (operation: { method: string; path: string }) => `${operation.method.toUpperCase()} ${operation.path}`;

/** A JSON pointer segment (RFC 6901). */
const segment = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false, logger: false });
  /** Query parameters and headers arrive as text: `limit=5` is the integer 5. */
  private readonly coercing = new Ajv2020({ strict: false, coerceTypes: true, validateSchema: false, logger: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    for (const ajv of [this.ajv, this.coercing]) {
      // ajv-formats is CommonJS: its plugin is the default of the default.
      ajvFormats.default(ajv);
      ajv.addSchema(document as object, BASE);
    }
  }

  operations(): Operation[] {
    return Object.entries(this.document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, path, operation })));
  }

  methodsAt(path: string): string[] {
    return Object.keys(this.document.paths[path] ?? {}).map((method) => method.toUpperCase());
  }

  parametersOf(operation: Operation, where: OpenApiParameter['in']): OpenApiParameter[] {
    return (operation.operation.parameters ?? []).filter((parameter) => parameter.in === where);
  }

  bodySchemaOf(operation: Operation) {
    return operation.operation.requestBody?.content['application/json']?.schema;
  }

  /** Whether the document calls this request body valid. */
  acceptsBody(operation: Operation, body: unknown): boolean {
    const requestBody = operation.operation.requestBody;
    if (!requestBody) return true;
    if (body === undefined) return !requestBody.required;
    return this.validator(this.ajv, `${this.pointerOf(operation)}/requestBody/content/application~1json/schema`)(body);
  }

  /** Whether the document calls this query parameter or header valid; `undefined` is "not sent". */
  acceptsParameter(operation: Operation, where: OpenApiParameter['in'], name: string, value: string | string[] | undefined): boolean {
    const index = (operation.operation.parameters ?? []).findIndex((parameter) => parameter.in === where && parameter.name.toLowerCase() === name.toLowerCase());
    if (index < 0) return where === 'header' || value === undefined;
    if (value === undefined) return !operation.operation.parameters![index]!.required;
    // A repeated query parameter is an array, which no scalar schema accepts.
    return this.validator(this.coercing, `${this.pointerOf(operation)}/parameters/${index}/schema`)(value);
  }

  /** What an answer breaks in the document: an undocumented status or media type, or a body unlike its schema. */
  breaches(operation: Operation, answer: Answer): string[] {
    const documented = operation.operation.responses[String(answer.status)];
    if (!documented) return [`answers ${answer.status}, which the document does not list (it lists ${Object.keys(operation.operation.responses).join(', ')})`];
    const { pointer, response } = this.resolve(operation, String(answer.status), documented);
    const media = Object.keys(response.content ?? {});
    if (media.length === 0) return answer.text === '' ? [] : [`answers ${answer.status} with a body the document does not describe`];
    const type = answer.contentType.split(';')[0]!.trim();
    if (!media.includes(type)) return [`answers ${answer.status} as ${type || 'no media type'}, documented as ${media.join(' or ')}`];
    if (!type.includes('json')) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [`answers ${answer.status} with a ${type} body that is not JSON`];
    }
    const validate = this.validator(this.ajv, `${pointer}/content/${segment(type)}/schema`);
    return validate(body) ? [] : [`answers ${answer.status} with a body unlike its schema: ${this.ajv.errorsText(validate.errors)}`];
  }

  private resolve(operation: Operation, status: string, documented: OpenApiResponse | { $ref: string }): { pointer: string; response: OpenApiResponse } {
    if ('$ref' in documented) {
      const name = documented.$ref.slice(RESPONSE_REF.length);
      return { pointer: `#/components/responses/${segment(name)}`, response: this.document.components.responses[name]! };
    }
    return { pointer: `${this.pointerOf(operation)}/responses/${status}`, response: documented };
  }

  private pointerOf(operation: Operation): string {
    return `#/paths/${segment(operation.path)}/${operation.method}`;
  }

  private validator(ajv: Ajv2020, pointer: string): ValidateFunction {
    const key = `${ajv === this.coercing ? 'text' : 'json'} ${pointer}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `${BASE}${pointer}` });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
