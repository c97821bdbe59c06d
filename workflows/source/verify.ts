// `source-verify:<sourceId>`: the check a new source passes before `POST /v1/sources` answers
// 201 (R4). A workflow only so that the upstream call runs where upstream calls run, in an
// activity that decrypts the credentials itself.
import { proxyActivities } from '@temporalio/workflow';
import type { SourceActivities } from '../../activities/source/index.js';

const { verifySourceAccess } = proxyActivities<SourceActivities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 1 } });

export async function verifySource(sourceId: string): Promise<{ companiesReadable: number }> {
  return verifySourceAccess(sourceId);
}
