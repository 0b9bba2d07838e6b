/**
 * Types produced by the ingest stage (ARCHITECTURE.md: bot/ingest → Message[]).
 *
 * A `Message` is one mail, decoded enough for the series stage: headers
 * unfolded and RFC 2047-decoded, the text body transfer- and charset-decoded.
 * The patch-relevant text is kept twice: `body` is what a reader sees
 * (format=flowed joined), `rawBody` is the decoded text before any flowed
 * processing, which is what `git am` would apply.
 *
 * @module
 */

/** One header field, name as written, value unfolded but not decoded. */
export interface HeaderField {
  name: string;
  value: string;
}

/** One mail, as the ingest stage hands it on. */
export interface Message {
  /** Message-ID without angle brackets; synthesised (`<no-id-N@trampolint>`) when absent. */
  messageId: string;
  /** True when `messageId` was synthesised because the mail had none. */
  messageIdSynthetic: boolean;
  /** Subject with RFC 2047 encoded words decoded and whitespace collapsed. */
  subject: string;
  /** Decoded From: display form, e.g. `Jane Doe <jane@example.org>`. */
  from: string;
  /** Bare address of the sender, lower-cased, or "" when unknown. */
  fromAddress: string;
  /** Date header as written ("" when missing). */
  date: string;
  /** Parsed date as epoch milliseconds, or null when unparseable. */
  time: number | null;
  /** In-Reply-To message-id (first one), or null. */
  inReplyTo: string | null;
  /** References message-ids, oldest first. */
  references: string[];
  /** Decoded To: and Cc: lists (display form). */
  to: string[];
  cc: string[];
  /** Every header field in order. */
  headers: HeaderField[];
  /** Text body as a reader sees it (format=flowed applied). */
  body: string;
  /** Text body after transfer and charset decoding, before format=flowed processing. */
  rawBody: string;
  /** True when the text part was format=flowed. */
  flowed: boolean;
  /** Non-text attachments and extra text parts that were not the main body. */
  attachments: Attachment[];
  /** Byte length of the raw message. */
  size: number;
}

/** A MIME part other than the main text body. */
export interface Attachment {
  contentType: string;
  filename: string | null;
  /** Decoded text for text/* parts (e.g. an attached .patch), null otherwise. */
  text: string | null;
  size: number;
}

/** Limits applied to untrusted input (ARCHITECTURE.md, safety design). */
export interface IngestLimits {
  /** Maximum bytes read from a file or the network before decompression. */
  maxInputBytes: number;
  /** Maximum bytes produced by decompressing gzip input. */
  maxDecompressedBytes: number;
  /** Maximum number of messages accepted from one source. */
  maxMessages: number;
}

/** Defaults: far above any real thread (lore's largest are a few MiB), far below memory. */
export const DEFAULT_LIMITS: IngestLimits = {
  maxInputBytes: 64 * 1024 * 1024,
  maxDecompressedBytes: 256 * 1024 * 1024,
  maxMessages: 20_000,
};

/** An ingest failure the user can act on; the CLI prints `message` and exits 2. */
export class IngestError extends Error {
  constructor(message: string, readonly code: IngestErrorCode) {
    super(message);
    this.name = "IngestError";
  }
}

/** Classes of ingest failure, stable for `--json` consumers. */
export type IngestErrorCode =
  | "empty"
  | "not-mail"
  | "truncated"
  | "too-large"
  | "not-found"
  | "network"
  | "bad-input";
