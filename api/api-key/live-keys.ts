// The live API key behind a secret, read once a second at most. Under load every request of a key
// read it again: a sixth of a single issue's queries (issue 13, P3). Keys never change but for
// their revocation, which this process forgets at once; another API process of the deployment,
// which cannot hear of it, refuses the key within KEPT_FOR_MS.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { apiKeys } from '../../db/schema.js';

type ApiKeyRow = typeof apiKeys.$inferSelect;

export const KEPT_FOR_MS = 1_000;
/** Keys kept at most: one per caller of the last second, far fewer than a process serves. */
const MOST_KEPT = 10_000;

const liveKeyBySecretHash = preparedOnce((db: Database) =>
  db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, sql.placeholder('secretHash')), isNull(apiKeys.revokedAt)))
    .limit(1)
    .prepare('live_api_key_by_secret_hash'),
);

export class LiveKeys {
  private readonly kept = new Map<string, { key: ApiKeyRow; until: number }>();
  /** Bumped by each revocation: a read that started before it may have seen the key live, and is not kept. */
  private revocations = 0;

  constructor(
    private readonly db: Database,
    private readonly mostKept = MOST_KEPT,
  ) {}

  /** The live key whose secret hashes to `secretHash`; an unknown or revoked one is read every time, never kept. */
  async find(secretHash: string): Promise<ApiKeyRow | undefined> {
    const now = performance.now();
    const kept = this.kept.get(secretHash);
    if (kept && kept.until > now) return kept.key;
    this.kept.delete(secretHash);
    const revocations = this.revocations;
    const [key] = await liveKeyBySecretHash(this.db).execute({ secretHash });
    if (key && revocations === this.revocations) {
      // The longest kept goes first (a Map iterates in insertion order), so the bound holds however many keys call.
      if (this.kept.size >= this.mostKept) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(secretHash, { key, until: now + KEPT_FOR_MS });
    }
    return key;
  }

  /** Called once a revocation is committed: the key's next request reads it again, and is refused. */
  revoked(keyId: string): void {
    this.revocations++;
    for (const [secretHash, { key }] of this.kept) if (key.id === keyId) this.kept.delete(secretHash);
  }
}
