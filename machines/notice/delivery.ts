// What a notice delivery answers, and the failure types that stop it: shared by the
// workflow, the activity that raises them and anyone reading a delivery's result.

/** The server refused the recipients or the message for good (5xx). */
export const MAIL_REJECTED = 'MailRejected';
/** Neither the company nor the partner has an address to send to. */
export const NO_RECIPIENTS = 'NoRecipients';
/** Its company, partner or subject is gone, or a template cannot render it. */
export const UNDELIVERABLE_NOTICE = 'UndeliverableNotice';
/** An outage or a "try again later" (4xx): retried with backoff until the server takes the mail. */
export const MAIL_SERVER_UNAVAILABLE = 'MailServerUnavailable';

export interface NoticeOutcome {
  status: 'sent' | 'failed' | 'skipped';
  messageId: string | null;
  recipients: string[];
}

export const noticeWorkflowId = (key: string) => `notice:${key}`;
