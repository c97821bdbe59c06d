// The smallest process that carries personal data through every kind of payload: the
// workflow input, an activity's input and result, and the workflow result.
import { proxyActivities } from '@temporalio/workflow';

export interface CustomerContact {
  company: string;
  email: string;
}

export interface NoticeActivities {
  addressNotice(contact: CustomerContact): Promise<string>;
}

const { addressNotice } = proxyActivities<NoticeActivities>({ startToCloseTimeout: '10s' });

export async function welcomeCustomer(contact: CustomerContact): Promise<string> {
  return addressNotice(contact);
}
