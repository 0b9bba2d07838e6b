import { deepStrictEqual, equal } from "node:assert/strict";
import { escapeMessageId, normaliseMessageId, parseAtom } from "./archive.ts";
import { parseArchiveUrl } from "./load.ts";

Deno.test("message-ids are escaped as public-inbox's mid_escape does", () => {
  equal(
    escapeMessageId("20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com"),
    "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com",
  );
  equal(escapeMessageId("CAADnVQ+sj9X/hsc=@mail.gmail.com"), "CAADnVQ+sj9X%2Fhsc=@mail.gmail.com");
  equal(escapeMessageId("a b%c#d?e@x"), "a%20b%25c%23d%3Fe@x");
  equal(escapeMessageId("é@x"), "%C3%A9@x");
  equal(
    escapeMessageId("<Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com>"),
    "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com",
  );
});

Deno.test("user-typed ids are normalised", () => {
  equal(normaliseMessageId(" <a@b> "), "a@b");
  equal(normaliseMessageId("id:a@b"), "a@b");
});

Deno.test("archive URLs give inbox and message-id", () => {
  deepStrictEqual(
    parseArchiveUrl(
      "https://lore.kernel.org/bpf/20250527-many_args_arm64-v3-0-3faf7bb8e4a2@bootlin.com/T/#t",
    ),
    {
      inboxUrl: "https://lore.kernel.org/bpf/",
      messageId: "20250527-many_args_arm64-v3-0-3faf7bb8e4a2@bootlin.com",
    },
  );
  deepStrictEqual(parseArchiveUrl("https://lore.kernel.org/r/a%2Fb@c"), {
    inboxUrl: "https://lore.kernel.org/r/",
    messageId: "a/b@c",
  });
  equal(parseArchiveUrl("https://patchwork.kernel.org/series/1/mbox/"), null);
});

Deno.test("Atom entries: title, author, decoded message-id", () => {
  const xml =
    `<feed><entry><author><name>Xu Kuohai</name></author><title>[PATCH] a &amp; b</title>` +
    `<updated>2022-05-18T13:16:00Z</updated><link href="http://127.0.0.1/bpf/x%2Fy@z/"/></entry></feed>`;
  deepStrictEqual(parseAtom(xml), [{
    title: "[PATCH] a & b",
    author: "Xu Kuohai",
    updated: "2022-05-18T13:16:00Z",
    messageId: "x/y@z",
    link: "http://127.0.0.1/bpf/x%2Fy@z/",
  }]);
});
