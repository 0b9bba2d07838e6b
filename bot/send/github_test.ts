import assert from "node:assert/strict";
import { commentBody, commentOnPullRequest, findPullRequest } from "./github.ts";
import { startGithubApi } from "./testing/github_api.ts";
import type { GithubConfig } from "../policy/types.ts";

const SUBJECT = "[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments";
const reply = {
  headers: { Subject: `Re: ${SUBJECT}` },
  body: "Hi Alexis,\n\n> +\tint nargs;\n[ ... ]\n\n  expected: ctx[8..9] = stack+16\n",
};

async function withApi(
  fn: (cfg: GithubConfig, api: Awaited<ReturnType<typeof startGithubApi>>) => Promise<void>,
) {
  // 150 open PRs so the series' PR is on the second page of 100.
  const pulls = Array.from({ length: 150 }, (_, i) => ({
    number: 1000 + i,
    title: `bpf: unrelated change ${i}`,
    headRef: `series/${900000 + i}=>bpf-next`,
  }));
  pulls.push({
    number: 4242,
    title: "bpf, arm64: support up to 12 arguments",
    headRef: "series/952345=>bpf-next",
  });
  pulls.push({ number: 4243, title: "bpf, x86: other", headRef: "x", state: "closed" } as never);
  const api = await startGithubApi({ repo: "kernel-patches/bpf", token: "t0ken", pulls });
  try {
    await fn({ repo: "kernel-patches/bpf", apiUrl: api.url, tokenEnv: "GITHUB_TOKEN" }, api);
  } finally {
    await api.close();
  }
}

Deno.test("finds the series' PR by title across pages and comments once", async () => {
  await withApi(async (cfg, api) => {
    const pr = await findPullRequest(cfg, "t0ken", SUBJECT);
    assert.equal(pr?.number, 4242);
    assert.equal(pr?.url, "https://github.com/kernel-patches/bpf/pull/4242");
    assert.ok(api.requests.some((r) => /page=2/.test(r.path)), "followed the Link header");

    const first = await commentOnPullRequest(cfg, "t0ken", SUBJECT, reply, "s@x|github");
    assert.equal(first.created, true);
    assert.equal(api.comments.length, 1);
    assert.equal(api.comments[0].issue, 4242);
    assert.equal(api.comments[0].body, commentBody(reply, "s@x|github"));
    assert.match(api.comments[0].body, /^<!-- trampolint:s@x\|github -->\n\*\*Re: \[PATCH/);
    assert.match(api.comments[0].body, /```text\nHi Alexis,[\s\S]*\n```$/);
    assert.equal(
      first.url,
      `https://github.com/kernel-patches/bpf/pull/4242#issuecomment-${first.commentId}`,
    );

    const again = await commentOnPullRequest(cfg, "t0ken", SUBJECT, reply, "s@x|github");
    assert.equal(again.created, false);
    assert.equal(again.commentId, first.commentId);
    assert.equal(api.comments.length, 1, "no second comment");
  });
});

Deno.test("no PR, a closed PR only, a bad token, a bad repo: clear errors", async () => {
  await withApi(async (cfg, api) => {
    assert.equal(
      await findPullRequest(cfg, "t0ken", "[PATCH] bpf, x86: other"),
      null,
      "closed PRs are not used",
    );
    await assert.rejects(
      commentOnPullRequest(cfg, "t0ken", "[PATCH 0/2] nothing like it", reply, "k"),
      /GitHub kernel-patches\/bpf: no open pull request titled "nothing like it"/,
    );
    await assert.rejects(
      findPullRequest(cfg, "wrong", SUBJECT),
      /GitHub kernel-patches\/bpf: listing open pull requests failed \(HTTP 401\): Bad credentials/,
    );
    await assert.rejects(
      findPullRequest({ ...cfg, repo: "someone/else" }, "t0ken", SUBJECT),
      /GitHub someone\/else: listing open pull requests failed \(HTTP 404\)/,
    );
    await assert.rejects(
      commentOnPullRequest(cfg, "", SUBJECT, reply, "k"),
      /no token \(set GITHUB_TOKEN\)/,
    );
    assert.equal(api.comments.length, 0);
  });
});
