// The typed search attributes ops filter on in the Temporal UI. The dev server and
// docker-compose register exactly these (see searchAttributeTypes).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LicenseState = defineSearchAttributeKey('LicenseState', SearchAttributeType.KEYWORD);
export const AccountState = defineSearchAttributeKey('AccountState', SearchAttributeType.KEYWORD);
export const PartnerId = defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD);
export const CompanyId = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
export const Product = defineSearchAttributeKey('Product', SearchAttributeType.KEYWORD);
export const LicenseExpiresAt = defineSearchAttributeKey('LicenseExpiresAt', SearchAttributeType.DATETIME);

export const searchAttributeKeys = [LicenseState, AccountState, PartnerId, CompanyId, Product, LicenseExpiresAt];

const cliTypeNames = { KEYWORD: 'Keyword', DATETIME: 'Datetime' } as const;

/** Name → type as the Temporal CLI spells it (`--search-attribute Name=Type`). */
export const searchAttributeTypes: Record<string, 'Keyword' | 'Datetime'> = Object.fromEntries(
  searchAttributeKeys.map((key) => [key.name, cliTypeNames[key.type as keyof typeof cliTypeNames]]),
);
