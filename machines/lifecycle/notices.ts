// The notices of every lifecycle (DESIGN §3 "Notices"), named once: machines declare them,
// workflows key them, the outbox stores them and templates render them under these names.

export const subjectTypes = ['license', 'account'] as const;
/** What a lifecycle belongs to; the first word of its events (`license.grace_started`). */
export type SubjectType = (typeof subjectTypes)[number];

export const noticeKinds = ['expiring', 'grace_started', 'grace_halfway', 'suspended', 'deletion_warning', 'deleted', 'restored'] as const;
export type NoticeKind = (typeof noticeKinds)[number];

/** One e-mail to send; only `expiring` has an `offset` (P30D, P7D …): which of the expiry notices it is. */
export interface Notice {
  kind: NoticeKind;
  offset?: string;
}

/** `expiring:P7D`, `grace_halfway` …: a notice's name within its cycle; with the subject and cycle, its send-once key (R19). */
export function noticeKey(notice: Notice): string {
  return notice.offset === undefined ? notice.kind : `${notice.kind}:${notice.offset}`;
}

/** The outbox key of a notice: sent once per subject, cycle and notice, whatever retries or replays (R19). */
export function outboxKey(subject: SubjectType, subjectId: string, cycle: number, notice: Notice): string {
  return `${subject}:${subjectId}:${cycle}:${noticeKey(notice)}`;
}
