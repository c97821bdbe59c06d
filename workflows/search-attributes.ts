// The typed search attributes ops filter on in the Temporal UI. The dev server and
// docker-compose register exactly these (see searchAttributeTypes).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LicenseState = defineSearchAttributeKey('LicenseState', SearchAttributeType.KEYWORD);
export const AccountState = defineSearchAttributeKey('AccountState', SearchAttributeType.KEYWORD);
export const PartnerId = defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD);
export const CompanyId = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
/** The company's current name, so ops find its workflows by the name they know; kept current on rename. */
export const CompanyName = defineSearchAttributeKey('CompanyName', SearchAttributeType.KEYWORD);
export const Product = defineSearchAttributeKey('Product', SearchAttributeType.KEYWORD);
export const LicenseExpiresAt = defineSearchAttributeKey('LicenseExpiresAt', SearchAttributeType.DATETIME);
/** Where a license sits in the security tree (R2, R5); kept current when its pool moves. */
export const PoolId = defineSearchAttributeKey('PoolId', SearchAttributeType.KEYWORD);
export const AccessGroupId = defineSearchAttributeKey('AccessGroupId', SearchAttributeType.KEYWORD);
/** The upstream source a license was synced from. */
export const SourceId = defineSearchAttributeKey('SourceId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [LicenseState, AccountState, PartnerId, CompanyId, CompanyName, Product, LicenseExpiresAt, PoolId, AccessGroupId, SourceId];

const cliTypeNames = { KEYWORD: 'Keyword', DATETIME: 'Datetime' } as const;

/** Name → type as the Temporal CLI spells it (`--search-attribute Name=Type`). */
export const searchAttributeTypes: Record<string, 'Keyword' | 'Datetime'> = Object.fromEntries(
  searchAttributeKeys.map((key) => [key.name, cliTypeNames[key.type as keyof typeof cliTypeNames]]),
);
