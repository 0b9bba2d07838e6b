import assert from "node:assert/strict";
import { Octokit } from "octokit";
import { githubProvider } from "./github.ts";
import { startGithubServer } from "./testing/github_server.ts";
import { tempRepo } from "./testing/repo.ts";

const JIT = "arch/x86/net/bpf_jit_comp.c";

async function setup() {
  const repo = await tempRepo([
    { [JIT]: "int base_version;\n", "kernel/bpf/btf.c": "btf at base\n" },
    { [JIT]: "int newer_version;\n" },
  ]);
  const cache = await Deno.makeTempDir({ prefix: "trampolint-gh-cache-" });
  return { repo, cache };
}

Deno.test("fake server speaks the contents and commits wire format (checked through octokit)", async () => {
  const { repo, cache } = await setup();
  const server = await startGithubServer({ repos: { "torvalds/linux": repo.dir } });
  try {
    const gh = new Octokit({
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const c = await gh.rest.repos.getCommit({
      owner: "torvalds",
      repo: "linux",
      ref: repo.commits[0].slice(0, 12),
    });
    assert.equal(c.status, 200);
    assert.equal(c.data.sha, repo.commits[0]);
    assert.equal(c.data.commit.message, "step 0");
    assert.deepEqual(c.data.parents, []);
    assert.equal(c.headers["x-ratelimit-resource"], "core");
    const j = await gh.rest.repos.getContent({
      owner: "torvalds",
      repo: "linux",
      path: JIT,
      ref: repo.commits[0],
    });
    const file = j.data as {
      type: string;
      encoding: string;
      content: string;
      sha: string;
      size: number;
      name: string;
    };
    assert.equal(file.type, "file");
    assert.equal(file.encoding, "base64");
    assert.equal(file.name, "bpf_jit_comp.c");
    assert.equal(file.size, "int base_version;\n".length);
    assert.equal(atob(file.content.replace(/\n/g, "")), "int base_version;\n");
    // sha is the git blob id, as on GitHub.
    const blob = new TextDecoder().decode(
      (await new Deno.Command("git", {
        args: ["-C", repo.dir, "rev-parse", `${repo.commits[0]}:${JIT}`],
      }).output()).stdout,
    ).trim();
    assert.equal(file.sha, blob);
    const dir = await gh.rest.repos.getContent({
      owner: "torvalds",
      repo: "linux",
      path: "kernel/bpf",
      ref: repo.commits[0],
    });
    assert.ok(Array.isArray(dir.data));
    assert.deepEqual((dir.data as { name: string; type: string }[]).map((e) => [e.name, e.type]), [[
      "btf.c",
      "file",
    ]]);
    await assert.rejects(
      () => gh.rest.repos.getCommit({ owner: "torvalds", repo: "linux", ref: "0".repeat(40) }),
      (e: { status: number; message: string }) =>
        e.status === 422 && /No commit found for SHA/.test(e.message),
    );
    await assert.rejects(
      () =>
        gh.rest.repos.getContent({
          owner: "torvalds",
          repo: "linux",
          path: "nope.c",
          ref: repo.commits[0],
        }),
      (e: { status: number }) => e.status === 404,
    );
  } finally {
    await server.close();
    await repo.remove();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("octokit path: files at base-commit (not HEAD), raw media type, token sent", async () => {
  const { repo, cache } = await setup();
  const server = await startGithubServer({ repos: { "torvalds/linux": repo.dir } });
  try {
    const r = await githubProvider(repo.commits[0], [JIT, "kernel/bpf/btf.c", "new/file.c"], {
      repos: ["torvalds/linux"],
      baseUrl: server.url,
      token: "ghp_testtoken",
      cacheDir: cache,
    });
    assert.ok(r.provider, r.notes.join("; "));
    const p = r.provider;
    assert.equal(p.info.mode, "github");
    assert.equal(p.info.base, repo.commits[0]);
    assert.match(
      p.info.note,
      new RegExp(`GitHub torvalds/linux at base-commit ${repo.commits[0].slice(0, 12)}`),
    );
    assert.equal(await p.read(JIT), "int base_version;\n");
    assert.equal(await p.read("kernel/bpf/btf.c"), "btf at base\n");
    assert.equal(await p.read("new/file.c"), null);
    const contents = server.requests.filter((q) => q.path.includes("/contents/"));
    assert.equal(contents.length, 3, "prefetch reads each file once; later reads hit the cache");
    assert.ok(contents.every((q) => /application\/vnd\.github(\.v3)?\.raw/.test(q.accept)));
    assert.ok(contents.every((q) => q.path.includes(`ref=${repo.commits[0]}`)));
    assert.ok(server.requests.every((q) => q.authorization === "token ghp_testtoken"));
  } finally {
    await server.close();
    await repo.remove();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("cache hit: with the server stopped the same files still come from disk", async () => {
  const { repo, cache } = await setup();
  const server = await startGithubServer({ repos: { "torvalds/linux": repo.dir } });
  const opts = { repos: ["torvalds/linux"], baseUrl: server.url, token: null, cacheDir: cache };
  try {
    const first = await githubProvider(repo.commits[0], [JIT, "gone.c"], opts);
    assert.ok(first.provider);
    await server.close();
    const again = await githubProvider(repo.commits[0], [JIT, "gone.c"], {
      ...opts,
      timeoutMs: 2000,
    });
    assert.ok(again.provider, again.notes.join("; "));
    assert.match(again.provider.info.note, /\(2 of 2 file\(s\) from the cache\)/);
    assert.equal(await again.provider.read(JIT), "int base_version;\n");
    assert.equal(await again.provider.read("gone.c"), null);
    // An uncached file needs the network, which is gone: a clear error, no crash.
    const miss = await githubProvider(repo.commits[0], ["kernel/bpf/btf.c"], {
      ...opts,
      timeoutMs: 2000,
    });
    assert.equal(miss.provider, null);
    assert.match(miss.notes[0], /^GitHub torvalds\/linux: kernel\/bpf\/btf\.c: unreachable/);
  } finally {
    await server.close().catch(() => {});
    await repo.remove();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("repository list: the first repository without the commit is skipped with a note", async () => {
  const { repo, cache } = await setup();
  const other = await tempRepo([{ "README": "unrelated\n" }]);
  const server = await startGithubServer({
    repos: { "torvalds/linux": other.dir, "kernel-patches/bpf": repo.dir },
  });
  try {
    const r = await githubProvider(repo.commits[1], [JIT], {
      baseUrl: server.url,
      token: null,
      cacheDir: cache,
    });
    assert.ok(r.provider);
    assert.deepEqual(r.notes, [
      `GitHub torvalds/linux: commit ${repo.commits[1].slice(0, 12)} not found (422)`,
    ]);
    assert.match(
      r.provider.info.note,
      /^GitHub torvalds\/linux: commit .* not found \(422\); pre-images from GitHub kernel-patches\/bpf/,
    );
    assert.equal(await r.provider.read(JIT), "int newer_version;\n");
  } finally {
    await server.close();
    await repo.remove();
    await other.remove();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("rate limit (403, x-ratelimit-remaining: 0) and unknown commits: no provider, clear notes", async () => {
  const { repo, cache } = await setup();
  const server = await startGithubServer({ repos: { "torvalds/linux": repo.dir }, rateLimit: 1 });
  try {
    const r = await githubProvider(repo.commits[0], [JIT], {
      repos: ["torvalds/linux", "kernel-patches/bpf"],
      baseUrl: server.url,
      token: null,
      cacheDir: null,
    });
    assert.equal(r.provider, null);
    // One request allowed (the commit), then the contents read hits the limit; the
    // second repository is rate limited too.
    assert.equal(r.notes.length, 2);
    assert.match(
      r.notes[0],
      /^GitHub torvalds\/linux: rate limit exhausted until \d{4}-.*\(set GITHUB_TOKEN/,
    );
    assert.match(r.notes[1], /^GitHub kernel-patches\/bpf: rate limit exhausted/);
    const bad = await githubProvider("not-a-sha", [JIT], { baseUrl: server.url, cacheDir: null });
    assert.equal(bad.provider, null);
    assert.match(bad.notes[0], /base-commit not-a-sha is not a commit id/);
  } finally {
    await server.close();
    await repo.remove();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("network error: an unreachable API is a note, not a crash", async () => {
  // A port that was just free: nothing listens there.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const r = await githubProvider("830b3c68c1fb1e9176028d02ef86f3cf76aa2476", [JIT], {
    repos: ["torvalds/linux"],
    baseUrl: `http://127.0.0.1:${port}`,
    token: null,
    cacheDir: null,
    timeoutMs: 3000,
  });
  assert.equal(r.provider, null);
  assert.match(r.notes[0], /^GitHub torvalds\/linux: commit 830b3c68c1fb: unreachable/);
});
