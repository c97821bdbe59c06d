import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createApp } from '../../api/app.js';
import { hashSecret } from '../../api/api-key/keys.js';
import { KEPT_FOR_MS, LiveKeys } from '../../api/api-key/live-keys.js';
import { servedRoutes } from '../../api/openapi/served.js';
import { apiKeys, auditLog } from '../../db/schema.js';
import { createLogger } from '../../platform/logger.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createKey, createManagedPartner } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

describe('API keys and roles (R31)', () => {
  it('R31: a key is answered with its secret once, listed without it, stored only as a hash, and audited', async () => {
    const created = await tenure.api('POST', '/v1/api-keys', { name: 'billing sync', role: 'operator' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'billing sync', role: 'operator', accessGroupIds: null, revokedAt: null, secret: expect.stringMatching(/^tk_/) });
    const { id, secret } = created.body as { id: string; secret: string };

    expect((await tenure.api('GET', '/v1/partner', undefined, { key: secret })).status).toBe(200);
    const listed = await tenure.api('GET', '/v1/api-keys');
    expect(listed.body.data).toContainEqual(expect.objectContaining({ id, name: 'billing sync', role: 'operator' }));
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain(hashSecret(secret));

    const [stored] = await tenure.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(stored!.secretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
    const [entry] = await tenure.db.select().from(auditLog).where(eq(auditLog.subjectId, id));
    expect(entry).toMatchObject({ action: 'api_key.created', subjectType: 'api_key', after: { role: 'operator' } });
    expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it('R31: a revoked key is refused with 401 on its very next request, and the revocation is audited', async () => {
    const key = await createKey(tenure, 'operator');
    expect((await tenure.api('GET', '/v1/licenses', undefined, { key: key.secret })).status).toBe(200);
    const revoked = await tenure.api('DELETE', `/v1/api-keys/${key.id}`);
    expect(revoked).toMatchObject({ status: 200, body: { id: key.id, revokedAt: expect.any(String) } });
    expect(await tenure.api('GET', '/v1/licenses', undefined, { key: key.secret })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect((await tenure.api('DELETE', `/v1/api-keys/${key.id}`)).body.revokedAt).toBe(revoked.body.revokedAt);
    const actions = await tenure.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, key.id)).orderBy(auditLog.id);
    expect(actions.map((row) => row.action)).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it('R31: another API process of the deployment, which kept the key live, refuses it within a second of its revocation', async () => {
    const key = await createKey(tenure, 'operator');
    const other = createServer(createApp({ db: tenure.db, temporal: tenure.client, taskQueue: tenure.taskQueue, logger: createLogger('silent'), readiness: async () => ({}) }).callback());
    await new Promise<void>((listening) => other.listen(0, '127.0.0.1', listening));
    try {
      const { port } = other.address() as AddressInfo;
      const readThroughOther = () => fetch(`http://127.0.0.1:${port}/v1/licenses`, { headers: { authorization: `Bearer ${key.secret}` } }).then((answer) => answer.status);
      expect(await readThroughOther()).toBe(200);
      expect((await tenure.api('DELETE', `/v1/api-keys/${key.id}`)).status).toBe(200);
      const revokedAt = performance.now();
      expect(await eventually(readThroughOther, (status) => status === 401, { timeoutMs: 5_000, intervalMs: 50 })).toBe(401);
      expect(performance.now() - revokedAt).toBeLessThan(KEPT_FOR_MS + 500);
    } finally {
      await new Promise((closed) => other.close(closed));
    }
  });

  it('a process keeps a bounded number of keys, the longest kept forgotten first and read again at its next request', async () => {
    const keys = [await createKey(tenure, 'viewer'), await createKey(tenure, 'viewer'), await createKey(tenure, 'viewer')];
    const liveKeys = new LiveKeys(tenure.db, 2);
    for (const key of keys) expect(await liveKeys.find(hashSecret(key.secret))).toMatchObject({ id: key.id });
    // Revoked behind this process's back, as by another API process: what it keeps it answers from memory for KEPT_FOR_MS.
    await tenure.db.update(apiKeys).set({ revokedAt: new Date() }).where(inArray(apiKeys.id, keys.map((key) => key.id)));
    expect(await liveKeys.find(hashSecret(keys[2]!.secret))).toMatchObject({ id: keys[2]!.id });
    // The first key was forgotten when the third came: read again, it is refused.
    expect(await liveKeys.find(hashSecret(keys[0]!.secret))).toBeUndefined();
  });

  it("R1: another partner's key cannot be revoked or even found: 404", async () => {
    const other = await createManagedPartner(tenure, 'Other MSP');
    expect((await tenure.api('DELETE', `/v1/api-keys/${other.adminKey.id}`)).status).toBe(404);
    expect((await tenure.api('GET', '/v1/partner', undefined, { key: other.adminKey.secret })).status).toBe(200);
    expect((await tenure.api('GET', '/v1/api-keys')).body.data.map((key: { id: string }) => key.id)).not.toContain(other.adminKey.id);
  });

  it("R31: a partner's last admin key cannot revoke itself (409); once another admin key exists it can", async () => {
    const partner = await createManagedPartner(tenure, 'Single-admin MSP');
    const first = { key: partner.adminKey.secret };
    expect(await tenure.api('DELETE', `/v1/api-keys/${partner.adminKey.id}`, undefined, first)).toMatchObject({ status: 409, body: { code: 'last_admin_key' } });
    expect((await tenure.api('GET', '/v1/partner', undefined, first)).status).toBe(200);

    const second = await createKey(tenure, 'admin', { key: partner.adminKey.secret });
    expect((await tenure.api('DELETE', `/v1/api-keys/${partner.adminKey.id}`, undefined, first)).status).toBe(200);
    expect((await tenure.api('GET', '/v1/partner', undefined, first)).status).toBe(401);
    expect((await tenure.api('GET', '/v1/partner', undefined, { key: second.secret })).status).toBe(200);
  });

  it('R31: an operator runs lifecycles but manages no keys, partners, access groups or policies', async () => {
    const operator = { key: (await createKey(tenure, 'operator')).secret };
    expect((await tenure.api('POST', '/v1/companies', { name: 'Operated Ltd' }, operator)).status).toBe(201);
    for (const [method, path, body] of [
      ['POST', '/v1/api-keys', { name: 'escalate', role: 'admin' }],
      ['GET', '/v1/api-keys', undefined],
      ['POST', '/v1/partners', { name: 'Shadow MSP' }],
      ['POST', '/v1/access-groups', { name: 'Shadow group' }],
    ] as const) {
      expect(await tenure.api(method, path, body, operator), `${method} ${path}`).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    }
  });

  it('R31: a viewer key reads, and answers 403 on every mutating route the API serves', async () => {
    const viewer = { key: (await createKey(tenure, 'viewer')).secret };
    expect((await tenure.api('GET', '/v1/licenses', undefined, viewer)).status).toBe(200);
    expect((await tenure.api('GET', '/v1/audit', undefined, viewer)).status).toBe(200);

    // The routes are read from the routers themselves, so a route added later is covered too.
    const app = createApp({ db: tenure.db, temporal: tenure.client, taskQueue: tenure.taskQueue, logger: createLogger('silent'), readiness: async () => ({}) });
    const mutating = servedRoutes(app).filter((route) => MUTATING.has(route.method) && route.path.startsWith('/v1/'));
    expect(mutating.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['post /v1/licenses', 'post /v1/licenses/:id/renew', 'delete /v1/licenses/:id', 'post /v1/api-keys', 'delete /v1/api-keys/:id', 'patch /v1/partner']),
    );
    for (const route of mutating) {
      const path = route.path.replace(/:\w+/g, () => crypto.randomUUID());
      const answer = await tenure.api(route.method.toUpperCase(), path, {}, viewer);
      expect(answer, `${route.method} ${route.path}`).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    }
  });

  it('R2: keys may be scoped to existing access groups; an unknown group is a 422 naming it, and a scoped key cannot widen its scope', async () => {
    const group = await tenure.api('POST', '/v1/access-groups', { name: 'Europe' });
    expect(group.status).toBe(201);
    const child = await tenure.api('POST', '/v1/access-groups', { name: 'Poland', parentId: group.body.id });
    expect(child).toMatchObject({ status: 201, body: { parentId: group.body.id } });
    expect((await tenure.api('GET', '/v1/access-groups')).body.data.map((row: { name: string }) => row.name)).toEqual(expect.arrayContaining(['Europe', 'Poland']));
    expect(await tenure.api('POST', '/v1/access-groups', { name: 'x', parentId: crypto.randomUUID() })).toMatchObject({ status: 422, body: { field: 'parentId' } });

    const unknown = await tenure.api('POST', '/v1/api-keys', { name: 'eu', role: 'operator', accessGroupIds: [group.body.id, crypto.randomUUID()] });
    expect(unknown).toMatchObject({ status: 422, body: { code: 'invalid_input', field: 'accessGroupIds.1' } });
    const foreign = await createManagedPartner(tenure, 'Foreign MSP');
    const foreignGroup = await tenure.api('POST', '/v1/access-groups', { name: 'Theirs' }, { key: foreign.adminKey.secret });
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'x', role: 'viewer', accessGroupIds: [foreignGroup.body.id] })).toMatchObject({
      status: 422,
      body: { field: 'accessGroupIds.0' },
    });

    const scoped = await tenure.api('POST', '/v1/api-keys', { name: 'eu admin', role: 'admin', accessGroupIds: [group.body.id] });
    expect(scoped).toMatchObject({ status: 201, body: { accessGroupIds: [group.body.id] } });
    const asScoped = { key: scoped.body.secret as string };
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'wider', role: 'viewer' }, asScoped)).toMatchObject({ status: 422, body: { field: 'accessGroupIds' } });
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'other', role: 'viewer', accessGroupIds: [child.body.id] }, asScoped)).toMatchObject({
      status: 422,
      body: { field: 'accessGroupIds.0' },
    });
    expect((await tenure.api('POST', '/v1/api-keys', { name: 'narrow', role: 'viewer', accessGroupIds: [group.body.id] }, asScoped)).status).toBe(201);
  });

  it('R31: bad key requests are 422 naming the field', async () => {
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'x', role: 'owner' })).toMatchObject({ status: 422, body: { field: 'role' } });
    expect(await tenure.api('POST', '/v1/api-keys', { role: 'viewer' })).toMatchObject({ status: 422, body: { field: 'name' } });
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'x', role: 'viewer', accessGroupIds: [] })).toMatchObject({ status: 422, body: { field: 'accessGroupIds' } });
    expect(await tenure.api('POST', '/v1/api-keys', { name: 'x', role: 'viewer', secret: 'mine' })).toMatchObject({ status: 422, body: { field: 'secret' } });
    expect((await tenure.api('DELETE', '/v1/api-keys/not-a-key')).status).toBe(404);
  });
});
