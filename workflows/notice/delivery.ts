// One notice, one workflow (`notice:<outbox key>`): how lifecycles delivered notices before they
// ran the delivery activity themselves (issue 13). Kept registered so that the notice runs older
// lifecycles started, and their replays, still complete.
import type { NoticeOutcome } from '../../machines/notice/delivery.js';
import { deliverNotice } from './deliver.js';

export async function noticeDelivery(key: string): Promise<NoticeOutcome> {
  return deliverNotice(key);
}
