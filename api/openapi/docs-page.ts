// /docs: the OpenAPI document as one self-contained HTML page, rendered on the server so
// that reading the documentation downloads nothing from anywhere else.
import type { JsonSchema } from './json-schema.js';
import type { OpenApiDocument, OpenApiOperation, OpenApiParameter, OpenApiResponse } from './document.js';
import { PROBLEM_MEDIA_TYPE } from './problems.js';

const COMPONENT_REF = '#/components/schemas/';
const RESPONSE_REF = '#/components/responses/';

export function renderDocsPage(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
  const byTag = document.tags.map(({ name }) => ({ name, operations: operations.filter(({ operation }) => operation.tags.includes(name)) }));

  const navigation = byTag
    .map(
      ({ name, operations }) => `<h3><a href="#tag-${anchor(name)}">${escape(name)}</a></h3><ul>${operations
        .map(({ method, path, operation }) => `<li><a href="#op-${anchor(operation.operationId)}"><span class="method ${method}">${method}</span>${escape(path)}</a></li>`)
        .join('')}</ul>`,
    )
    .join('');

  const sections = byTag
    .map(
      ({ name, operations }) =>
        `<section id="tag-${anchor(name)}"><h2>${escape(name)}</h2>${operations.map(({ method, path, operation }) => operationView(document, method, path, operation)).join('')}</section>`,
    )
    .join('');

  const schemas = Object.entries(document.components.schemas)
    .map(([name, schema]) => `<article class="schema" id="schema-${anchor(name)}"><h3>${escape(name)}</h3>${schemaView(schema)}</article>`)
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>${style}</style>
</head>
<body>
<nav>
<p class="brand">${escape(document.info.title)} <span>${escape(document.info.version)}</span></p>
${navigation}
<h3><a href="#schemas">Schemas</a></h3>
</nav>
<main>
<header>
<h1>${escape(document.info.title)}</h1>
${prose(document.info.description)}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escape(document.openapi)}).</p>
</header>
${sections}
<section id="schemas"><h2>Schemas</h2>${schemas}</section>
</main>
</body>
</html>
`;
}

function operationView(document: OpenApiDocument, method: string, path: string, operation: OpenApiOperation): string {
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody;
  return `<article class="operation" id="op-${anchor(operation.operationId)}">
<h3><span class="method ${method}">${method}</span><code class="path">${escape(path)}</code></h3>
<p class="summary">${escape(operation.summary)}${operation.security?.length === 0 ? ' <span class="tag">no key needed</span>' : ''}</p>
${operation.description ? prose(operation.description) : ''}
${parameters.length > 0 ? `<h4>Parameters</h4>${parametersView(parameters)}` : ''}
${body ? `<h4>Request body${body.required ? '' : ' <span class="muted">(optional)</span>'}</h4>${Object.entries(body.content).map(([type, { schema }]) => mediaView(type, schema, document)).join('')}` : ''}
<h4>Responses</h4>
<dl class="responses">${Object.entries(operation.responses).map(([status, response]) => responseView(document, status, response)).join('')}</dl>
</article>`;
}

function parametersView(parameters: OpenApiParameter[]): string {
  return `<table class="parameters"><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${parameters
    .map(
      (parameter) =>
        `<tr><td><code>${escape(parameter.name)}</code>${parameter.required ? '<span class="required" title="required">*</span>' : ''}</td><td>${parameter.in}</td><td>${typeLabel(parameter.schema)}</td><td>${[
          parameter.description ? inline(parameter.description) : '',
          constraints(parameter.schema),
        ].filter(Boolean).join(' ')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function responseView(document: OpenApiDocument, status: string, response: OpenApiResponse | { $ref: string }): string {
  const resolved = '$ref' in response ? document.components.responses[response.$ref.slice(RESPONSE_REF.length)]! : response;
  const media = Object.entries(resolved.content ?? {});
  // Every problem has the one Problem shape: a link says it better than the same table each time.
  const problem = media.some(([type]) => type === PROBLEM_MEDIA_TYPE);
  const body = problem
    ? ' <a class="muted" href="#schema-Problem">problem+json</a>'
    : media.map(([type, { schema }]) => mediaView(type, schema, document)).join('');
  return `<dt><span class="status ${status.startsWith('2') ? 'success' : 'problem'}">${escape(status)}</span></dt><dd>${inline(resolved.description)}${body}</dd>`;
}

/** A body: a named schema is linked and shown in full, since this is where a reader needs it. */
function mediaView(type: string, schema: JsonSchema, document: OpenApiDocument): string {
  const name = typeof schema.$ref === 'string' ? schema.$ref.slice(COMPONENT_REF.length) : undefined;
  const shown = name ? document.components.schemas[name]! : schema;
  return `<div class="media"><span class="muted">${escape(type)}</span>${name ? ` ${typeLabel(schema)}` : ''}${schemaView(shown)}</div>`;
}

/** A schema as a reader wants it: an object's fields as a table, anything else as its type. */
function schemaView(schema: JsonSchema, depth = 0): string {
  // Below the top, the field's row already says what the schema is.
  const notes = depth > 0 ? '' : [schema.description ? inline(String(schema.description)) : '', constraints(schema)].filter(Boolean).join(' ');
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives && alternatives.some(isObjectWithProperties)) {
    return `${notes ? `<p>${notes}</p>` : ''}<p class="muted">One of:</p><ol class="alternatives">${alternatives.map((alternative) => `<li>${schemaView(alternative, depth + 1)}</li>`).join('')}</ol>`;
  }
  if (!isObjectWithProperties(schema)) return `<p>${typeLabel(schema)}${notes ? ` — ${notes}` : ''}</p>`;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, property]) => {
    const nested = nestedObject(property);
    const details = [property.description ? inline(String(property.description)) : '', constraints(property)].filter(Boolean).join(' ');
    return `<tr><td><code>${escape(name)}</code>${required.has(name) ? '<span class="required" title="required">*</span>' : ''}</td><td>${typeLabel(property)}</td><td>${details}${nested && depth < 3 ? schemaView(nested, depth + 1) : ''}</td></tr>`;
  });
  return `${notes ? `<p>${notes}</p>` : ''}<table class="fields"><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const isObjectWithProperties = (schema: JsonSchema) => typeof schema.properties === 'object' && schema.properties !== null;

/** An inline object (or list of them) inside a field, shown as a nested table. */
function nestedObject(schema: JsonSchema): JsonSchema | undefined {
  if (isObjectWithProperties(schema)) return schema;
  const items = schema.items as JsonSchema | undefined;
  if (items && isObjectWithProperties(items)) return items;
  const alternatives = (schema.anyOf ?? []) as JsonSchema[];
  return alternatives.find(isObjectWithProperties);
}

function typeLabel(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.slice(COMPONENT_REF.length);
    return `<a href="#schema-${anchor(name)}">${escape(name)}</a>`;
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.map(typeLabel).join(' | ');
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => `<code>${escape(JSON.stringify(value))}</code>`).join(' | ');
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  if (schema.type === 'array') return `array of ${schema.items ? typeLabel(schema.items as JsonSchema) : 'anything'}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return `map of ${typeLabel(schema.additionalProperties as JsonSchema)}`;
  if (isObjectWithProperties(schema)) return `{ ${Object.keys(schema.properties as object).map(escape).join(', ')} }`;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  if (types.length === 0) return 'anything';
  const format = schema.format ? ` <span class="muted">(${escape(String(schema.format))})</span>` : '';
  return types.map((type) => (type === 'null' ? 'null' : `${escape(type)}${format}`)).join(' | ');
}

const LARGEST_INTEGER = Number.MAX_SAFE_INTEGER;

function constraints(schema: JsonSchema): string {
  const notes: string[] = [];
  const range = (low: unknown, high: unknown, unit: string) => {
    const hasLow = typeof low === 'number' && low > -LARGEST_INTEGER;
    const hasHigh = typeof high === 'number' && high < LARGEST_INTEGER;
    const units = (count: unknown) => (unit && count !== 1 ? `${unit}s` : unit);
    if (hasLow && hasHigh) notes.push(`${low}–${high}${units(high)}`);
    else if (hasLow) notes.push(`at least ${low}${units(low)}`);
    else if (hasHigh) notes.push(`at most ${high}${units(high)}`);
  };
  range(schema.minimum, schema.maximum, '');
  range(schema.minLength, schema.maxLength, ' character');
  range(schema.minItems, schema.maxItems, ' item');
  // A format says what a value is better than zod's regular expression for it.
  if (typeof schema.pattern === 'string' && !schema.format) notes.push(`matches <code>${escape(schema.pattern)}</code>`);
  if (schema.default !== undefined) notes.push(`default <code>${escape(JSON.stringify(schema.default))}</code>`);
  if (Array.isArray(schema.examples)) notes.push(`e.g. ${schema.examples.map((example) => `<code>${escape(JSON.stringify(example))}</code>`).join(', ')}`);
  return notes.length > 0 ? `<span class="constraints">${notes.join('; ')}</span>` : '';
}

function prose(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.split('\n').map(inline).join('<br>')}</p>`)
    .join('');
}

/** Escapes text and renders `code` spans, the only markup descriptions use. */
function inline(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const anchor = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '-');

const style = `
:root { --ink: #1d2430; --muted: #667085; --line: #e4e7ec; --panel: #f7f8fa; --accent: #2952cc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); display: grid; grid-template-columns: 340px minmax(0, 1fr); }
nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; padding: 20px 16px; border-right: 1px solid var(--line); background: var(--panel); font-size: 13px; }
nav .brand { font-size: 18px; font-weight: 700; margin: 0 0 12px; }
nav .brand span { font-size: 12px; font-weight: 400; color: var(--muted); }
nav h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; margin: 18px 0 6px; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li a { display: flex; gap: 8px; align-items: center; padding: 3px 4px; border-radius: 4px; color: var(--ink); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
nav li a:hover { background: #e9edf5; text-decoration: none; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
main { padding: 28px 40px 80px; max-width: 1100px; overflow-wrap: break-word; }
h1 { margin: 0 0 8px; font-size: 30px; }
h2 { margin: 48px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); font-size: 22px; }
h4 { margin: 16px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; background: var(--panel); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.operation, .schema { border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
.operation h3 { display: flex; align-items: center; gap: 10px; margin: 0; font-size: 16px; }
.path { background: none; padding: 0; font-size: 15px; font-weight: 600; }
.summary { margin: 6px 0 0; font-size: 15px; }
.method { display: inline-block; min-width: 58px; text-align: center; padding: 2px 6px; border-radius: 4px; color: #fff; font: 700 11px/1.6 ui-monospace, monospace; text-transform: uppercase; }
.get { background: #2f6fdb; } .post { background: #1f9d55; } .put { background: #7a4fd6; } .patch { background: #d9822b; } .delete { background: #d64545; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 10px; padding: 1px 8px; margin-left: 6px; white-space: nowrap; }
.muted { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 13px; margin: 4px 0; }
.fields th:nth-child(1) { width: 26%; } .fields th:nth-child(2) { width: 26%; }
.parameters th:nth-child(1) { width: 22%; } .parameters th:nth-child(2) { width: 9%; } .parameters th:nth-child(3) { width: 24%; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 4px 8px; }
td { vertical-align: top; border-bottom: 1px solid var(--line); padding: 5px 8px; }
td table { margin-top: 6px; background: #fcfcfd; }
.required { color: #d64545; margin-left: 2px; }
.constraints { color: var(--muted); }
.responses { display: grid; grid-template-columns: 56px minmax(0, 1fr); gap: 6px 10px; margin: 0; font-size: 14px; }
.responses dd { margin: 0; }
.status { display: inline-block; min-width: 44px; text-align: center; border-radius: 4px; padding: 0 6px; font: 700 12px/1.7 ui-monospace, monospace; }
.status.success { background: #e3f4ea; color: #17693b; } .status.problem { background: #fdecec; color: #a32b2b; }
.media { margin-top: 6px; }
.alternatives { padding-left: 20px; }
`;
