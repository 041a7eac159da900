import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in for the SES v2 API on 127.0.0.1: SendEmail with a raw message. */
export async function fakeSes(faults: { rejected?: string; throttledOnce?: string }) {
  const received: { to: string; raw: string }[] = [];
  let throttled = false;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const request = JSON.parse(body || "{}");
      const raw = Buffer.from(request.Content?.Raw?.Data ?? "", "base64").toString("utf8");
      const to = /^To: (.*)$/m.exec(raw)?.[1]?.trim() ?? "";
      const fail = (status: number, type: string) => {
        res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
        res.end(JSON.stringify({ message: `${type} for ${to}` }));
      };
      if (req.url !== "/v2/email/outbound-emails") return fail(404, "NotFoundException");
      if (to === faults.rejected) return fail(400, "MessageRejected");
      if (to === faults.throttledOnce && !throttled) {
        throttled = true;
        return fail(429, "TooManyRequestsException");
      }
      received.push({ to, raw });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ MessageId: `ses-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}
