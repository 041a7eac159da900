/**
 * A loopback SMTP server that accepts and discards messages, run as its own process by
 * bench-send.ts so that the server's work does not share the sender's event loop.
 * Prints `port <n>`; `GET count` on stdin prints how many messages it accepted.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

let accepted = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, _session, callback) {
    stream.on("data", () => {});
    stream.on("end", () => {
      accepted++;
      callback(null, "Queued");
    });
  },
});
server.on("error", () => {});
server.listen(0, "127.0.0.1", () => {
  console.log(`port ${(server.server.address() as AddressInfo).port}`);
});
process.stdin.on("data", () => console.log(`count ${accepted}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
