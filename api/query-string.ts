// A query value whose percent-encoding cannot be decoded (`?product=%ZZ`) names nothing a
// caller could mean, yet Koa's parser would pass it on as literal text. It is read as NUL
// instead, which every parameter's validation refuses with 422 naming it (api/validate.ts).
import type { Middleware } from 'koa';

const UNDECODABLE = '\u0000';

export function undecodableQueryValuesRefused(): Middleware {
  return async (ctx, next) => {
    const undecodable = (ctx.querystring ? ctx.querystring.split('&') : [])
      .map((pair) => pair.split('=', 2) as [string, string?])
      .filter(([name, value = '']) => decodes(name) && !decodes(value))
      .map(([name]) => decodeURIComponent(name.replace(/\+/g, ' ')));
    if (undecodable.length > 0) ctx.query = { ...ctx.query, ...Object.fromEntries(undecodable.map((name) => [name, UNDECODABLE])) };
    await next();
  };
}

function decodes(component: string): boolean {
  try {
    decodeURIComponent(component.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}
