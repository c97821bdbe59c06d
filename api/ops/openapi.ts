// The API describing itself: the OpenAPI 3.1 document and its rendering, both without a key.
import type Router from '@koa/router';
import { z } from 'zod';
import { renderDocsPage } from '../openapi/docs-page.js';
import type { OpenApiDocument } from '../openapi/document.js';
import { documented } from '../openapi/route.js';

/** `build` runs at the first request, once every route of the app is registered. */
export function openApiRoutes(router: Router, build: () => OpenApiDocument): void {
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const current = () => (document ??= build());
  const route = documented(router);

  route.get('/openapi.json', {
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'Documentation',
    public: true,
    responses: { 200: { description: 'The OpenAPI 3.1 document of this API', content: { 'application/json': z.looseObject({ openapi: z.string() }) } } },
  }, (ctx) => {
    ctx.body = current();
  });

  route.get('/docs', {
    operationId: 'getDocsPage',
    summary: 'This document, to read',
    tag: 'Documentation',
    public: true,
    responses: { 200: { description: 'An HTML page rendering the OpenAPI document', content: { 'text/html': z.string() } } },
  }, (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page ??= renderDocsPage(current());
  });
}
