/**
 * A tiny assembler for fixed-width 32-bit little-endian instruction sets
 * (A64, uncompressed RISC-V, LoongArch, ppc64le, A32): collects instruction
 * words and patches forward branches once their labels are bound — the
 * kernel JITs' two-pass `branches[]` fixups, in one pass.
 *
 * @module
 */

/** Bytes of a list of instruction words (little-endian). */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return out;
}

/** A label: a position in an `Asm`, bound once. */
export interface Label {
  pos: number | null;
}

/** Collects instruction words; forward branches to labels are patched when the label is bound. */
export class Asm {
  readonly words: number[] = [];
  #fixups: { at: number; label: Label; enc: (offset: number) => number }[] = [];

  /** Byte offset of the next instruction. */
  get pc(): number {
    return this.words.length * 4;
  }

  emit(...ws: (number | number[])[]): this {
    for (const w of ws) {
      if (Array.isArray(w)) this.words.push(...w);
      else this.words.push(w);
    }
    return this;
  }

  label(): Label {
    return { pos: null };
  }

  bind(l: Label): void {
    if (l.pos !== null) throw new Error("label bound twice");
    l.pos = this.pc;
  }

  /** Emit a branch-like instruction to `l`: `enc(offsetInBytes)` (a placeholder until bound). */
  to(l: Label, enc: (offset: number) => number): this {
    const at = this.pc;
    if (l.pos !== null) this.words.push(enc(l.pos - at));
    else {
      this.words.push(0);
      this.#fixups.push({ at, label: l, enc });
    }
    return this;
  }

  /** Instruction words with every fixup resolved. */
  finish(): number[] {
    for (const f of this.#fixups) {
      if (f.label.pos === null) throw new Error("unbound label");
      this.words[f.at / 4] = f.enc(f.label.pos - f.at);
    }
    this.#fixups = [];
    return this.words;
  }

  bytes(): Uint8Array {
    return wordsToBytes(this.finish());
  }
}
