import type { AddressInfo, Socket } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

export interface Faults {
  /** Refuse the connection's greeting with 421 this many times. */
  refuseConnections?: number;
  /** Answer RCPT for this address with this code (once with `once`). */
  rcpt?: Record<string, { code: number; once?: boolean }>;
  /** Drop the connection after DATA, before answering, for these addresses (once each). */
  dropAfterData?: string[];
  /** Wait this long before accepting each message. */
  delayMs?: number;
  /** Refuse every sender (MAIL FROM) with this code: a problem with the whole send. */
  mailFrom?: number;
}

export interface Where {
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** Offer STARTTLS, with smtp-server's own certificate (self-signed, for another name). */
  starttls?: boolean;
}

export interface Login {
  username: string;
  password: string;
  /** Whether the connection was encrypted when the client logged in. */
  secure: boolean;
}

export interface Received {
  to: string;
  mail: ParsedMail;
  raw: string;
}

function fail(message: string, code: number) {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server on 127.0.0.1 (or `where.host`), without STARTTLS, that injects faults,
 * keeps what it accepted and records every login (AUTH) it was sent.
 */
export async function startSmtp(faults: Faults = {}, where: Where = {}) {
  const received: Received[] = [];
  const logins: Login[] = [];
  const rcptSeen = new Map<string, number>();
  const dropped = new Set<string>();
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: where.starttls ? [] : ["STARTTLS"],
    // Reads a password sent in clear, as a server that offers no encryption (or whoever
    // strips STARTTLS on the way) would.
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, session, callback) {
      logins.push({
        username: auth.username ?? "",
        password: auth.password ?? "",
        secure: session.secure,
      });
      callback(null, { user: auth.username });
    },
    onConnect(_session: SMTPServerSession, callback: (error?: Error) => void) {
      if (refused < (faults.refuseConnections ?? 0)) {
        refused++;
        return callback(fail("Too busy, try later", 421));
      }
      callback();
    },
    onMailFrom(
      _address: SMTPServerAddress,
      _session: SMTPServerSession,
      callback: (error?: Error) => void,
    ) {
      if (faults.mailFrom) return callback(fail("Sender refused", faults.mailFrom));
      callback();
    },
    onRcptTo(
      address: SMTPServerAddress,
      _session: SMTPServerSession,
      callback: (error?: Error) => void,
    ) {
      const rule = faults.rcpt?.[address.address];
      const seen = rcptSeen.get(address.address) ?? 0;
      rcptSeen.set(address.address, seen + 1);
      if (rule && (!rule.once || seen === 0))
        return callback(fail(`Rejected ${address.address}`, rule.code));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        const to = session.envelope.rcptTo[0]?.address ?? "";
        if (faults.dropAfterData?.includes(to) && !dropped.has(to)) {
          dropped.add(to);
          // Not accepted: the connection dies before the 250.
          sockets.get(session.remotePort)?.destroy();
          return;
        }
        if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({ to, raw, mail: await simpleParser(raw) });
        callback(null, "Queued as 42");
      });
    },
  });
  // A client killed mid-conversation resets its connection: expected here, not a failure.
  server.on("error", () => {});
  const sockets = new Map<number, Socket>();
  server.server.on("connection", (socket: Socket) => {
    if (socket.remotePort) sockets.set(socket.remotePort, socket);
  });
  const host = where.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    host,
    port,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
