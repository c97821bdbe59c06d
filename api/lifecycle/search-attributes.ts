// The search attributes a lifecycle workflow starts with besides its state, so that Temporal
// finds every license and account of a partner, a company or a product.
import type { SearchAttributePair } from '@temporalio/common';
import { CompanyId, PartnerId, Product } from '../../workflows/search-attributes.js';

export function ownerSearchAttributes(subject: { partnerId: string; companyId: string; product: string }): SearchAttributePair[] {
  return [
    { key: PartnerId, value: subject.partnerId },
    { key: CompanyId, value: subject.companyId },
    { key: Product, value: subject.product },
  ];
}
