/**
 * A real IMAP server for the tests: Debian's Dovecot (installed by .ci/run), started on
 * 127.0.0.1 with its own configuration in a temporary folder (plain text, one user, maildir),
 * stopped by the test that started it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { userInfo } from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { freePort } from "../serve/load.ts";

export const DOVECOT = "/usr/sbin/dovecot";

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** A connected client (the test's own view of the mailbox); logged out by stop(). */
  client(): Promise<ImapFlow>;
  stop(): Promise<void>;
}

/** The uid mail is kept under: Dovecot refuses root; `nobody` when the tests are root. */
async function mailOwner(): Promise<{ uid: number; gid: number; login: string; internal: string }> {
  const me = userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, login: me.username, internal: me.username };
  const passwd = await readFile("/etc/passwd", "utf8");
  const nobody = passwd.split("\n").find((line) => line.startsWith("nobody:"));
  const [, , uid, gid] = (nobody ?? "nobody:x:65534:65534").split(":");
  return { uid: Number(uid), gid: Number(gid), login: "dovenull", internal: "dovecot" };
}

/** `extra`: more lines of configuration (a narrower CAPABILITY, say). */
export async function startDovecot(extra = ""): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) {
    throw new Error(`${DOVECOT} is missing: apt-get install -y dovecot-imapd (.ci/run does it)`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "lettre-dovecot-"));
  // Dovecot's own processes (auth, as the `dovecot` user) read the password file here.
  await chmod(dir, 0o755);
  const owner = await mailOwner();
  const mail = path.join(dir, "mail");
  await mkdir(mail, { recursive: true });
  if (userInfo().uid === 0) await chown(mail, owner.uid, owner.gid);
  const port = await freePort();
  const user = "retours";
  const password = "mot-de-passe-de-test";
  await writeFile(path.join(dir, "passwd"), `${user}:{PLAIN}${password}\n`);
  const config = path.join(dir, "dovecot.conf");
  await writeFile(
    config,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${owner.login}
default_internal_user = ${owner.internal}
first_valid_uid = ${owner.uid}
last_valid_uid = ${owner.uid}
first_valid_gid = ${owner.gid}
mail_location = maildir:${mail}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
${extra}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  const child: ChildProcess = spawn(DOVECOT, ["-F", "-c", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const clients: ImapFlow[] = [];
  const connect = async () => {
    const client = new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: password },
      logger: false,
    });
    client.on("error", () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  const stop = async () => {
    for (const client of clients) await client.logout().catch(() => client.close());
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Ready when a login works (at most 10 s).
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await connect();
      await probe.logout();
      clients.pop();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        const log = await readFile(path.join(dir, "dovecot.log"), "utf8").catch(() => "");
        await stop();
        throw new Error(`Dovecot did not start: ${String(error)}\n${output}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { port, user, password, client: connect, stop };
}
