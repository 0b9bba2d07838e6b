/**
 * A real SMTP server for tests (`npm:smtp-server`) on 127.0.0.1 and a free
 * port, keeping every message it receives (raw bytes and envelope). Used by
 * the sending tests and by the watcher's crash test, which counts mails here.
 *
 * @module
 */

import { SMTPServer } from "smtp-server";

/** One received message. */
export interface Received {
  from: string;
  to: string[];
  raw: Uint8Array;
}

/** A running test SMTP server. */
export interface TestSmtpServer {
  port: number;
  received: Received[];
  /** Resolves when at least `n` messages have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server; `rejectRcpt` makes it refuse that recipient (for error tests). */
export async function startSmtpServer(opts: { rejectRcpt?: string } = {}): Promise<TestSmtpServer> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (opts.rejectRcpt && address.address === opts.rejectRcpt) {
        const err = new Error("mailbox unavailable") as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (c: Uint8Array) => chunks.push(c));
      stream.on("end", () => {
        const raw = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let off = 0;
        for (const c of chunks) {
          raw.set(c, off);
          off += c.length;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        cb();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.server.address();
      resolve(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  return {
    port,
    received,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) {
          throw new Error(
            `SMTP test server: ${received.length} of ${n} messages after ${timeoutMs} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
