// The search attributes a lifecycle workflow starts with besides its state, so that Temporal
// finds every license and account of a partner, a company (by id or name), a product, a pool,
// an access group or a source.
import type { SearchAttributePair } from '@temporalio/common';
import type { SubjectFacts } from '../../machines/lifecycle/contract.js';
import { AccessGroupId, CompanyId, CompanyName, PartnerId, PoolId, Product, SourceId } from '../../workflows/search-attributes.js';

type Placed = SubjectFacts & { poolId?: string | null; accessGroupId?: string | null; sourceId?: string | null };

export function subjectSearchAttributes(subject: Placed): SearchAttributePair[] {
  return [
    { key: PartnerId, value: subject.partnerId },
    { key: CompanyId, value: subject.companyId },
    { key: CompanyName, value: subject.companyName },
    { key: Product, value: subject.product },
    ...(subject.poolId ? [{ key: PoolId, value: subject.poolId }] : []),
    ...(subject.accessGroupId ? [{ key: AccessGroupId, value: subject.accessGroupId }] : []),
    ...(subject.sourceId ? [{ key: SourceId, value: subject.sourceId }] : []),
  ];
}
