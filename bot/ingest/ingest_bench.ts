/**
 * Ingest benchmarks (README "Performance"): mbox throughput on a generated
 * 10,000-message mbox, and assembling a 500-message thread.
 */

import { splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";
import { assembleSeries } from "../series/assemble.ts";

/**
 * A synthetic mbox shaped like lore's: every mail carries the transport
 * headers a vger mail has (Received, ARC, DKIM, List-*: about 2.5 KB), patch
 * mails carry a ~4 KB diff, replies quote. Messages average ~5 KB, as bpf@
 * mails on lore do.
 */
export function generateMbox(count: number): Uint8Array {
  const parts: string[] = [];
  const diffLines = Array.from({ length: 100 }, (_, i) => ` \tctx line ${i} of some C code;\n`)
    .join("");
  const b64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0";
  const transport = [
    "Received: from smtp.subspace.kernel.org (smtp.subspace.kernel.org [10.30.226.201])\n\tby sv.mirrors.kernel.org (Postfix) with ESMTPS id 0123456789AB\n\tfor <bpf@vger.kernel.org>; Mon, 1 Jan 2024 10:00:00 +0000 (UTC)",
    "Received: from mail.example.org (mail.example.org [192.0.2.1])\n\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n\t(No client certificate requested)\n\tby smtp.subspace.kernel.org (Postfix) with ESMTPS id 29EFB18DB01",
    `ARC-Seal: i=1; a=rsa-sha256; d=subspace.kernel.org; s=arc-20240116;\n\tt=1775189162; cv=none; b=${b64}\n\t ${b64}\n\t ${b64}`,
    `ARC-Message-Signature: i=1; a=rsa-sha256; d=subspace.kernel.org;\n\ts=arc-20240116; t=1775189162; c=relaxed/simple;\n\tbh=${
      b64.slice(0, 44)
    };\n\th=Message-ID:Date:MIME-Version:Subject:To:Cc:References:From; b=${b64}\n\t ${b64}`,
    "ARC-Authentication-Results: i=1; smtp.subspace.kernel.org; dmarc=pass (p=none dis=none) header.from=example.org; spf=pass smtp.mailfrom=example.org",
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=key1;\n\tt=1775189158; h=from:from:reply-to:subject:subject:date:date:message-id:message-id:\n\t to:to:cc:cc:mime-version:mime-version:content-type:content-type;\n\tbh=${
      b64.slice(0, 44)
    };\n\tb=${b64}\n\t ${b64}`,
    "Precedence: bulk\nX-Mailing-List: bpf@vger.kernel.org\nList-Id: <bpf.vger.kernel.org>",
    "List-Subscribe: <mailto:bpf+subscribe@vger.kernel.org>\nList-Unsubscribe: <mailto:bpf+unsubscribe@vger.kernel.org>",
    "Cc: Alexei Starovoitov <ast@kernel.org>, Daniel Borkmann <daniel@iogearbox.net>,\n Andrii Nakryiko <andrii@kernel.org>, Martin KaFai Lau <martin.lau@linux.dev>,\n Eduard Zingerman <eddyz87@gmail.com>, Song Liu <song@kernel.org>",
  ].join("\n") + "\n";
  for (let i = 0; i < count; i++) {
    const patch = i % 4 !== 3;
    const subject = patch
      ? `[PATCH bpf-next v2 ${i % 10}/9] bpf: change number ${i}`
      : `Re: [PATCH bpf-next v2 1/9] bpf: change`;
    parts.push(
      "From mboxrd@z Thu Jan  1 00:00:00 1970\n" +
        transport +
        `From: Dev ${i % 97} <dev${i % 97}@example.org>\nTo: bpf@vger.kernel.org\n` +
        `Subject: ${subject}\nDate: Mon, 1 Jan 2024 10:${
          String(i % 60).padStart(2, "0")
        }:00 +0000\n` +
        `Message-ID: <m${i}@example.org>\nIn-Reply-To: <m${i - (i % 10)}@example.org>\n` +
        `References: <m${i - (i % 10)}@example.org>\nMIME-Version: 1.0\n` +
        "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n" +
        (patch
          ? `Commit message ${i}.\n\nSigned-off-by: Dev <dev@example.org>\n---\n kernel/bpf/x.c | 2 +-\n\n` +
            `diff --git a/kernel/bpf/x.c b/kernel/bpf/x.c\nindex 1234567..89abcde 100644\n--- a/kernel/bpf/x.c\n+++ b/kernel/bpf/x.c\n` +
            `@@ -10,101 +10,101 @@ static int f(void)\n-old\n+new\n${diffLines}-- \n2.43.0\n`
          : `> quoted line of the patch under review, long enough to be typical\n>From escaped\n\nreply text ${i}\n`
            .repeat(30)) +
        "\n",
    );
  }
  return new TextEncoder().encode(parts.join(""));
}

const mbox = generateMbox(10_000);
const thread = generateMbox(500);

Deno.bench({
  name: `ingest: split + parse a 10,000-message mbox (${(mbox.length / 1e6).toFixed(1)} MB)`,
  group: "ingest",
  fn() {
    const { messages } = splitMbox(mbox);
    for (const raw of messages) parseMessage(raw);
  },
});

Deno.bench({
  name: "series: assemble a 500-message thread (parse included)",
  group: "assemble",
  fn() {
    assembleSeries(splitMbox(thread).messages.map(parseMessage));
  },
});

const parsed500 = splitMbox(thread).messages.map(parseMessage);
Deno.bench({
  name: "series: assemble a 500-message thread (messages already parsed)",
  group: "assemble",
  fn() {
    assembleSeries(parsed500);
  },
});
