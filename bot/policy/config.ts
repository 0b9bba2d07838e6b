/**
 * Reading the configuration file (JSON; format in bot/policy/README.md) with
 * errors that name the file, the key and what is wrong.
 *
 * @module
 */

import type { BotConfig, GithubConfig, ListPolicy, ReplyTo, SmtpConfig } from "./types.ts";

/** A bad configuration: `file: key: what is wrong`. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly key: string, what: string) {
    super(`${file}: ${key}: ${what}`);
    this.name = "ConfigError";
  }
}

type Obj = Record<string, unknown>;

const LIST_KEYS = [
  "address",
  "archive",
  "track",
  "reply_to",
  "quiet_on_success",
  "embargo_minutes",
  "mute",
  "ignored_addresses",
  "max_replies_per_hour",
];
const TOP_KEYS = [
  "from",
  "contact",
  "dashboard",
  "store",
  "poll_seconds",
  "complete_timeout_minutes",
  "smtp",
  "github",
  "defaults",
  "lists",
];

/** Reads and checks a configuration file. */
export async function loadConfig(path: string): Promise<BotConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(path, "(file)", `cannot read: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** Checks a configuration given as JSON text (`file` names it in errors). */
export function parseConfig(text: string, file = "<config>"): BotConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, "(file)", `not valid JSON: ${(e as Error).message}`);
  }
  const top = obj(raw, file, "(top level)");
  unknownKeys(top, TOP_KEYS, file, "");
  const defaults = top.defaults === undefined ? {} : obj(top.defaults, file, "defaults");
  unknownKeys(defaults, LIST_KEYS, file, "defaults.");
  const listsRaw = obj(top.lists ?? {}, file, "lists");
  const lists: ListPolicy[] = Object.entries(listsRaw).map(([name, v]) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new ConfigError(
        file,
        `lists.${name}`,
        "a list name is a public-inbox name ([A-Za-z0-9._-])",
      );
    }
    const o = { ...defaults, ...obj(v, file, `lists.${name}`) };
    unknownKeys(o, LIST_KEYS, file, `lists.${name}.`);
    return listPolicy(name, o, file);
  });
  return {
    from: str(top, "from", file, "", "trampolint <trampolint@localhost>"),
    contact: str(top, "contact", file, "", "the bot's owner"),
    dashboardBase: url(str(top, "dashboard", file, "", "http://127.0.0.1:8000"), file, "dashboard"),
    store: str(top, "store", file, "", "trampolint.kv"),
    pollSeconds: num(top, "poll_seconds", file, "", 300, 0.1),
    completeTimeoutMinutes: num(top, "complete_timeout_minutes", file, "", 60, 0),
    smtp: top.smtp === undefined || top.smtp === null
      ? null
      : smtp(obj(top.smtp, file, "smtp"), file),
    github: top.github === undefined || top.github === null
      ? null
      : github(obj(top.github, file, "github"), file),
    lists,
  };
}

function listPolicy(name: string, o: Obj, file: string): ListPolicy {
  const k = `lists.${name}.`;
  const replyTo = str(o, "reply_to", file, k, "none");
  if (!["none", "author", "list"].includes(replyTo)) {
    throw new ConfigError(
      file,
      `${k}reply_to`,
      `must be "none", "author" or "list", not ${JSON.stringify(replyTo)}`,
    );
  }
  const address = o.address === undefined || o.address === null
    ? null
    : str(o, "address", file, k, "");
  if (address !== null && !/^[^@\s]+@[^@\s]+$/.test(address)) {
    throw new ConfigError(file, `${k}address`, `not a mail address: ${JSON.stringify(address)}`);
  }
  if (replyTo === "list" && address === null) {
    throw new ConfigError(file, `${k}address`, 'required when reply_to is "list"');
  }
  return {
    name,
    address,
    archive: url(
      str(o, "archive", file, k, `https://lore.kernel.org/${name}/`),
      file,
      `${k}archive`,
    ),
    track: bool(o, "track", file, k, true),
    replyTo: replyTo as ReplyTo,
    quietOnSuccess: bool(o, "quiet_on_success", file, k, true),
    embargoMinutes: num(o, "embargo_minutes", file, k, 0, 0),
    mute: strList(o, "mute", file, k).map((id) => id.replace(/^<|>$/g, "")),
    ignoredAddresses: strList(o, "ignored_addresses", file, k).map((a) => a.toLowerCase()),
    maxRepliesPerHour: num(o, "max_replies_per_hour", file, k, 10, 0),
  };
}

function smtp(o: Obj, file: string): SmtpConfig {
  unknownKeys(o, ["host", "port", "secure", "user_env", "password_env"], file, "smtp.");
  const port = num(o, "port", file, "smtp.", 587, 1);
  if (port > 65535 || !Number.isInteger(port)) {
    throw new ConfigError(file, "smtp.port", `not a port number: ${port}`);
  }
  return {
    host: str(o, "host", file, "smtp.", "localhost"),
    port,
    secure: bool(o, "secure", file, "smtp.", port === 465),
    userEnv: o.user_env === undefined ? null : str(o, "user_env", file, "smtp.", ""),
    passwordEnv: o.password_env === undefined ? null : str(o, "password_env", file, "smtp.", ""),
  };
}

function github(o: Obj, file: string): GithubConfig {
  unknownKeys(o, ["repo", "api_url", "token_env"], file, "github.");
  const repo = str(o, "repo", file, "github.", "");
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new ConfigError(file, "github.repo", `must be "owner/name", not ${JSON.stringify(repo)}`);
  }
  return {
    repo,
    apiUrl: url(
      str(o, "api_url", file, "github.", "https://api.github.com"),
      file,
      "github.api_url",
    ),
    tokenEnv: str(o, "token_env", file, "github.", "GITHUB_TOKEN"),
  };
}

function obj(v: unknown, file: string, key: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ConfigError(file, key, `must be an object, not ${describe(v)}`);
  }
  return v as Obj;
}

function unknownKeys(o: Obj, allowed: string[], file: string, prefix: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(file, prefix + key, `unknown key (allowed: ${allowed.join(", ")})`);
    }
  }
}

function str(o: Obj, key: string, file: string, prefix: string, dflt: string): string {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== "string" || v.trim() === "") {
    throw new ConfigError(file, prefix + key, `must be a non-empty string, not ${describe(v)}`);
  }
  return v;
}

function num(o: Obj, key: string, file: string, prefix: string, dflt: number, min: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    throw new ConfigError(file, prefix + key, `must be a number ≥ ${min}, not ${describe(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string, file: string, prefix: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") {
    throw new ConfigError(file, prefix + key, `must be true or false, not ${describe(v)}`);
  }
  return v;
}

function strList(o: Obj, key: string, file: string, prefix: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new ConfigError(file, prefix + key, `must be a list of strings, not ${describe(v)}`);
  }
  return v as string[];
}

function url(v: string, file: string, key: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new ConfigError(file, key, `not an http(s) URL: ${JSON.stringify(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return JSON.stringify(v);
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}
