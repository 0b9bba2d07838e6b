import { equal } from "node:assert/strict";
import {
  decodeBase64,
  decodeCharset,
  decodeEncodedWords,
  decodeFlowed,
  decodeQuotedPrintable,
} from "./decode.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("quoted-printable: soft breaks, hex escapes, literal '='", () => {
  equal(
    dec(decodeQuotedPrintable(enc("Alexis Lothor=C3=A9 wrote a very long li=\nne\n"))),
    "Alexis Lothoré wrote a very long line\n",
  );
  equal(dec(decodeQuotedPrintable(enc("a=3Db x=\r\ny"))), "a=b xy");
  equal(dec(decodeQuotedPrintable(enc("if (x =y) ="))), "if (x =y) =");
});

Deno.test("base64 tolerates line breaks and missing padding", () => {
  equal(dec(decodeBase64("ZGlmZiAtLWdpdCBh\nIGIK")), "diff --git a b\n");
  equal(dec(decodeBase64("YWJj")), "abc");
  equal(dec(decodeBase64("YWI")), "ab");
});

Deno.test("charsets: declared latin-1, undeclared utf-8, unknown label", () => {
  equal(decodeCharset(new Uint8Array([0x4a, 0x6f, 0x73, 0xe9]), "ISO-8859-1"), "José");
  equal(decodeCharset(enc("Lothoré"), null), "Lothoré");
  equal(decodeCharset(new Uint8Array([0x4a, 0xe9]), "x-unknown-charset"), "Jé");
});

Deno.test("RFC 2047 encoded words, adjacent words joined", () => {
  equal(
    decodeEncodedWords(
      "=?utf-8?q?Alexis_Lothor=C3=A9_=28eBPF_Foundation=29?= <alexis.lothore@bootlin.com>",
    ),
    "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
  );
  equal(decodeEncodedWords("=?UTF-8?B?SGVsbG8g?= =?UTF-8?B?d29ybGQ=?="), "Hello world");
  equal(decodeEncodedWords("plain"), "plain");
});

Deno.test("format=flowed joins soft-broken lines per quote depth, keeps signature", () => {
  const text = "This is a long \nparagraph.\n> quoted \n> more\n-- \nsig";
  equal(decodeFlowed(text, false), "This is a long paragraph.\n> quoted more\n-- \nsig");
  equal(decodeFlowed("abc \ndef", true), "abcdef");
  equal(decodeFlowed(" From stuffed", false), "From stuffed");
});
