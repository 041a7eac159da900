/**
 * What a returned message (or an SES notification) says, once read: the one shape the
 * classifier (`classify.ts`), the SNS endpoint (`sns.ts`) and the actions (`act.ts`) share.
 */

/** The kinds `lettre inbox classify` prints. */
export const KINDS = ["bounce", "complaint", "unsubscribe", "auto-reply", "other"] as const;
export type Kind = (typeof KINDS)[number];

export interface Report {
  kind: Kind;
  /** For a bounce: permanent (hard, 5.x.x) or temporary (soft, 4.x.x). False otherwise. */
  permanent: boolean;
  /** The failed (bounce), complaining (complaint) or leaving (unsubscribe) addresses, lowercased. */
  recipients: string[];
  /**
   * Message-IDs (with angle brackets, as `lettre send` makes them) of the original message
   * found in the returned headers or the ARF report: the journal row is matched by these first.
   */
  messageIds: string[];
  /** For an unsubscribe mail: the signed token found in its subject or body. */
  token?: string;
  /** For a bounce: the status code (`5.1.1`) and the diagnostic text, when found. */
  status?: string;
  diagnostic?: string;
  /**
   * For an RFC 3464 bounce: how each recipient failed (a report may hold permanent and
   * temporary failures at once; `permanent` above is true only when all are permanent).
   */
  perRecipient?: RecipientFailure[];
}

/** How one recipient of a delivery-status report failed. */
export interface RecipientFailure {
  address: string;
  permanent: boolean;
  /** `Action: delayed`: a warning, the server still tries (greylisting, a full mailbox). */
  delayed?: boolean;
  status?: string;
  diagnostic?: string;
}
