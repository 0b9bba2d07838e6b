import assert from "node:assert/strict";
import { ConfigError, loadConfig, parseConfig } from "./config.ts";
import { decide, isIgnored } from "./decide.ts";
import type { ListPolicy, ReplyHistory } from "./types.ts";
import { sampleReport, seriesFromMbox, THREADS } from "../email/testing/sample.ts";

const series = await seriesFromMbox(`${THREADS}many_args_arm64-v1.mbox`);
const withFindings = sampleReport(series);
const clean = sampleReport(series, { findings: false });
const NOW = new Date(Date.parse(series.date) + 24 * 3_600_000);
const fresh: ReplyHistory = { seriesReplies: [], sentTimes: [], now: NOW };

function policy(over: Record<string, unknown> = {}): ListPolicy {
  return parseConfig(
    JSON.stringify({ lists: { bpf: { address: "bpf@vger.kernel.org", ...over } } }),
  )
    .lists[0];
}

Deno.test("defaults: tracked, dashboard only, quiet on success", () => {
  const cfg = parseConfig("{}");
  assert.deepEqual(cfg.lists, []);
  assert.equal(cfg.pollSeconds, 300);
  const p = policy();
  assert.equal(p.replyTo, "none");
  assert.equal(p.quietOnSuccess, true);
  assert.equal(p.archive, "https://lore.kernel.org/bpf/");
  const d = decide(p, withFindings, series, fresh);
  assert.equal(d.send, false);
  assert.equal(d.reason, "reply_to = none (dashboard only)");
});

Deno.test("reply_to author and list: recipients; list copies the thread's recipients", () => {
  const a = decide(policy({ reply_to: "author" }), withFindings, series, fresh);
  assert.deepEqual([a.send, a.to, a.cc], [true, ["alexis.lothore@bootlin.com"], []]);
  const l = decide(policy({ reply_to: "list" }), withFindings, series, fresh);
  assert.equal(l.send, true);
  assert.deepEqual(l.to, ["alexis.lothore@bootlin.com"]);
  assert.equal(l.cc[0], "bpf@vger.kernel.org");
  const coverCc = [...series.cover!.to, ...series.cover!.cc].length;
  assert.ok(l.cc.length > 1 && coverCc > 0, "the cover letter's recipients are copied");
  assert.ok(!l.cc.includes("alexis.lothore@bootlin.com"));
  const someone = l.cc[1];
  const l2 = decide(
    policy({ reply_to: "list", ignored_addresses: [`*@${someone.split("@")[1]}`] }),
    withFindings,
    series,
    fresh,
  );
  assert.ok(!l2.cc.includes(someone), "ignored addresses are not copied");
});

Deno.test("rules: untracked, mute, ignored author, quiet on success, already replied, embargo, rate", () => {
  const base = { reply_to: "author" };
  assert.match(
    decide(policy({ ...base, track: false }), withFindings, series, fresh).reason,
    /not tracked/,
  );
  assert.match(
    decide(
      policy({ ...base, mute: [`<${series.patches[1].message.messageId}>`] }),
      withFindings,
      series,
      fresh,
    )
      .reason,
    /^muted: /,
  );
  assert.match(
    decide(policy({ ...base, ignored_addresses: ["*@bootlin.com"] }), withFindings, series, fresh)
      .reason,
    /ignored address: alexis.lothore@bootlin.com/,
  );
  assert.match(decide(policy(base), clean, series, fresh).reason, /quiet on success/);
  assert.equal(
    decide(policy({ ...base, quiet_on_success: false }), clean, series, fresh).send,
    true,
  );
  assert.match(
    decide(policy(base), withFindings, series, { ...fresh, seriesReplies: [{ state: "sent" }] })
      .reason,
    /already replied/,
  );
  const early = new Date(Date.parse(series.date) + 10 * 60_000);
  const e = decide(policy({ ...base, embargo_minutes: 30 }), withFindings, series, {
    ...fresh,
    now: early,
  });
  assert.equal(e.send, false);
  assert.equal(e.retryAt, new Date(Date.parse(series.date) + 30 * 60_000).toISOString());
  const sent = [50, 40, 5].map((m) => new Date(NOW.getTime() - m * 60_000).toISOString());
  const r = decide(policy({ ...base, max_replies_per_hour: 3 }), withFindings, series, {
    ...fresh,
    sentTimes: sent,
  });
  assert.match(r.reason, /rate limit: 3 replies in the last hour \(max 3\)/);
  assert.equal(r.retryAt, new Date(NOW.getTime() + 10 * 60_000).toISOString());
  const old = [90, 70].map((m) => new Date(NOW.getTime() - m * 60_000).toISOString());
  assert.equal(
    decide(policy({ ...base, max_replies_per_hour: 1 }), withFindings, series, {
      ...fresh,
      sentTimes: old,
    }).send,
    true,
  );
});

Deno.test("bad config: the file, the key and what is wrong", async () => {
  const bad: [string, RegExp][] = [
    ["{", /^cfg.json: \(file\): not valid JSON/],
    [
      '{"lists": {"bpf": {"reply_to": "everyone"}}}',
      /^cfg.json: lists.bpf.reply_to: must be "none", "author" or "list", not "everyone"/,
    ],
    [
      '{"lists": {"bpf": {"reply_to": "list"}}}',
      /^cfg.json: lists.bpf.address: required when reply_to is "list"/,
    ],
    [
      '{"lists": {"bpf": {"embargo_minutes": -1}}}',
      /^cfg.json: lists.bpf.embargo_minutes: must be a number ≥ 0, not number -1/,
    ],
    [
      '{"lists": {"bpf": {"mute": "x"}}}',
      /^cfg.json: lists.bpf.mute: must be a list of strings, not "x"/,
    ],
    ['{"lists": {"bpf": {"quiet": true}}}', /^cfg.json: lists.bpf.quiet: unknown key/],
    [
      '{"defaults": {"track": "yes"}, "lists": {"bpf": {}}}',
      /^cfg.json: lists.bpf.track: must be true or false/,
    ],
    ['{"smtp": {"port": 70000}}', /^cfg.json: smtp.port: not a port number: 70000/],
    ['{"github": {"repo": "nope"}}', /^cfg.json: github.repo: must be "owner\/name"/],
    ['{"dashboard": "ftp://x"}', /^cfg.json: dashboard: not an http\(s\) URL/],
    ["[]", /^cfg.json: \(top level\): must be an object, not a list/],
  ];
  for (const [text, re] of bad) {
    assert.throws(
      () => parseConfig(text, "cfg.json"),
      (e: Error) => e instanceof ConfigError && re.test(e.message),
      text,
    );
  }
  await assert.rejects(
    loadConfig("/nonexistent/cfg.json"),
    /\/nonexistent\/cfg.json: \(file\): cannot read/,
  );
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/c.json`,
    JSON.stringify({
      defaults: { reply_to: "author" },
      lists: { bpf: {}, netdev: { track: false } },
    }),
  );
  const cfg = await loadConfig(`${dir}/c.json`);
  assert.deepEqual(cfg.lists.map((l) => [l.name, l.replyTo, l.track]), [["bpf", "author", true], [
    "netdev",
    "author",
    false,
  ]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("isIgnored: exact and *@domain", () => {
  assert.equal(isIgnored("A@x.org", ["a@x.org"]), true);
  assert.equal(isIgnored("b@sub.x.org", ["*@x.org"]), false);
  assert.equal(isIgnored("b@x.org", ["*@x.org"]), true);
});
