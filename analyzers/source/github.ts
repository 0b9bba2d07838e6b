/**
 * A {@link SourceProvider} over GitHub's REST API (through `octokit`): the
 * pre-images at the series' base-commit, from the first repository of a
 * configurable list that has the commit (`GET /repos/{o}/{r}/commits/{ref}`),
 * read with the contents API (`GET /repos/{o}/{r}/contents/{path}?ref=`, raw
 * media type). Every answer is cached on disk under
 * `<cache>/github/<owner>/<repo>/<commit>/`, so a second review of the same
 * series needs no network at all.
 *
 * @module
 */

import { Octokit } from "octokit";
import type { SourceProvider } from "../types.ts";
import { checkPath } from "./kernel_tree.ts";
import { sourceCacheRoot } from "./linux_source.ts";

/** Repositories asked in order when none are configured: mainline, then the BPF CI mirror. */
export const DEFAULT_GITHUB_REPOS: readonly string[] = ["torvalds/linux", "kernel-patches/bpf"];

/** Settings of the GitHub source. */
export interface GithubOptions {
  /** "owner/name" list; the first that has the commit wins. Env: TRAMPOLINT_GITHUB_REPOS (comma-separated). */
  repos: string[];
  /** API root. Env: TRAMPOLINT_GITHUB_API. Default https://api.github.com. */
  baseUrl: string;
  /** Optional token (env GITHUB_TOKEN): raises the rate limit from 60 to 5,000 requests an hour. */
  token: string | null;
  /** Cache root (files go to `<cacheDir>/<owner>/<repo>/<commit>/<path>`); null: no cache. */
  cacheDir: string | null;
  /** Per-request time limit. */
  timeoutMs: number;
}

/** The outcome: a provider that can read every touched file, or why none could be made. */
export interface GithubResult {
  provider: SourceProvider | null;
  /** One line per repository that was tried and failed (commit absent, rate limit, network). */
  notes: string[];
}

/** Defaults, with the environment applied. */
export function githubDefaults(): GithubOptions {
  const repos = Deno.env.get("TRAMPOLINT_GITHUB_REPOS");
  return {
    repos: repos
      ? repos.split(",").map((r) => r.trim()).filter(Boolean)
      : [...DEFAULT_GITHUB_REPOS],
    baseUrl: Deno.env.get("TRAMPOLINT_GITHUB_API") ?? "https://api.github.com",
    token: Deno.env.get("GITHUB_TOKEN") ?? null,
    cacheDir: `${sourceCacheRoot()}/github`,
    timeoutMs: 30_000,
  };
}

/** Why one repository could not serve: said in words, and whether the next repository may. */
class RepoFailure extends Error {}

const MISSING = ".trampolint-missing";
const COMMIT = ".trampolint-commit";

/**
 * A provider at `commit` that has already read every path in `prefetch`
 * (the files the series touches), so later reads cannot fail half-way
 * through an analysis. Each repository that fails adds a note and the next
 * one is tried; when none serves, `provider` is null.
 */
export async function githubProvider(
  commit: string,
  prefetch: string[],
  options: Partial<GithubOptions> = {},
): Promise<GithubResult> {
  const o = { ...githubDefaults(), ...options };
  const notes: string[] = [];
  if (!/^[0-9a-f]{7,40}$/i.test(commit)) {
    return {
      provider: null,
      notes: [`GitHub not asked: base-commit ${commit} is not a commit id`],
    };
  }
  const octokit = new Octokit({
    auth: o.token ?? undefined,
    baseUrl: o.baseUrl.replace(/\/+$/, ""),
    // Failures fall through to the next source at once: no waiting out a rate limit.
    throttle: { enabled: false },
    retry: { enabled: false },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: {
      fetch: (url: string | URL | Request, init?: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) }),
    },
  });
  if (o.repos.length === 0) notes.push("GitHub not asked: no repositories configured");
  for (const full of o.repos) {
    const [owner, repo] = full.split("/");
    if (!owner || !repo) {
      notes.push(`GitHub repository "${full}" is not owner/name`);
      continue;
    }
    try {
      const dir = o.cacheDir === null
        ? null
        : `${o.cacheDir}/${owner}/${repo}/${commit.toLowerCase()}`;
      const sha = await commitSha(octokit, owner, repo, commit, dir);
      let fromCache = 0;
      const read = async (path: string): Promise<string | null> => {
        checkPath(path);
        const hit = dir ? await cached(dir, path) : undefined;
        if (hit !== undefined) {
          fromCache++;
          return hit;
        }
        const text = await fileAt(octokit, owner, repo, sha, path);
        if (dir) await store(dir, path, text);
        return text;
      };
      for (const path of prefetch) await read(path);
      const provider: SourceProvider = {
        info: {
          mode: "github",
          base: sha,
          requested: commit,
          note: [
            ...notes,
            `pre-images from GitHub ${full} at base-commit ${sha.slice(0, 12)}` +
            (prefetch.length ? ` (${fromCache} of ${prefetch.length} file(s) from the cache)` : ""),
          ].join("; "),
        },
        read,
      };
      return { provider, notes };
    } catch (e) {
      if (!(e instanceof RepoFailure)) throw e;
      notes.push(`GitHub ${full}: ${e.message}`);
    }
  }
  return { provider: null, notes };
}

async function commitSha(
  octokit: Octokit,
  owner: string,
  repo: string,
  commit: string,
  dir: string | null,
): Promise<string> {
  if (dir) {
    try {
      return (await Deno.readTextFile(`${dir}/${COMMIT}`)).trim();
    } catch { /* not cached yet */ }
  }
  try {
    const r = await octokit.rest.repos.getCommit({ owner, repo, ref: commit });
    const sha = r.data.sha;
    if (dir) {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(`${dir}/${COMMIT}`, `${sha}\n`);
    }
    return sha;
  } catch (e) {
    throw failure(e, `commit ${commit.slice(0, 12)}`);
  }
}

async function fileAt(
  octokit: Octokit,
  owner: string,
  repo: string,
  sha: string,
  path: string,
): Promise<string | null> {
  try {
    const r = await octokit.rest.repos.getContent({
      owner,
      repo,
      path,
      ref: sha,
      mediaType: { format: "raw" },
    });
    const data: unknown = r.data;
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
    if (Array.isArray(data)) throw new RepoFailure(`${path} is a directory at ${sha.slice(0, 12)}`);
    throw new RepoFailure(`${path}: unexpected contents answer (${typeof data})`);
  } catch (e) {
    if (e instanceof RepoFailure) throw e;
    if (statusOf(e) === 404) return null;
    throw failure(e, path);
  }
}

function statusOf(e: unknown): number | null {
  const s = (e as { status?: unknown }).status;
  return typeof s === "number" ? s : null;
}

/** A RequestError (or network error) in words a user can act on. */
function failure(e: unknown, what: string): RepoFailure {
  const status = statusOf(e);
  const headers = ((e as { response?: { headers?: Record<string, string> } }).response?.headers) ??
    {};
  const message = (e as Error).message ?? String(e);
  // octokit reports a failed fetch (refused, timeout, DNS) as status 500 with no response.
  if (!(e as { response?: unknown }).response) {
    return new RepoFailure(`${what}: unreachable (${message})`);
  }
  if ((status === 403 || status === 429) && headers["x-ratelimit-remaining"] === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0
      ? ` until ${new Date(reset * 1000).toISOString()}`
      : "";
    return new RepoFailure(`rate limit exhausted${when} (set GITHUB_TOKEN for a higher limit)`);
  }
  if (status === 404 || status === 422) return new RepoFailure(`${what} not found (${status})`);
  if (status === 401) return new RepoFailure(`token rejected (401): check GITHUB_TOKEN`);
  if (status !== null) return new RepoFailure(`${what}: HTTP ${status} ${message}`);
  return new RepoFailure(`${what}: unreachable (${message})`);
}

/** The cached file (string), a cached "absent" (null), or undefined when not cached. */
async function cached(dir: string, path: string): Promise<string | null | undefined> {
  try {
    return await Deno.readTextFile(`${dir}/files/${path}`);
  } catch { /* fall through */ }
  try {
    await Deno.stat(`${dir}/files/${path}${MISSING}`);
    return null;
  } catch {
    return undefined;
  }
}

async function store(dir: string, path: string, text: string | null) {
  const full = `${dir}/files/${path}${text === null ? MISSING : ""}`;
  await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
  const tmp = `${full}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, text ?? "");
  await Deno.rename(tmp, full);
}
