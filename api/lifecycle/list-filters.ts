// The filters the license and account lists share: the caller's partner, what the caller
// asked for by state, company and product, and the page after the last id seen.
import { eq, gt, type SQL } from 'drizzle-orm';
import type { accounts, licenses } from '../../db/schema.js';

interface SubjectQuery {
  state?: string;
  companyId?: string;
  product?: string;
  after?: string;
}

export function subjectFilters(table: typeof licenses | typeof accounts, partnerId: string, query: SubjectQuery): SQL[] {
  const filters: SQL[] = [eq(table.partnerId, partnerId)];
  if (query.state) filters.push(eq(table.state, query.state));
  if (query.companyId) filters.push(eq(table.companyId, query.companyId));
  if (query.product) filters.push(eq(table.product, query.product));
  if (query.after) filters.push(gt(table.id, query.after));
  return filters;
}
