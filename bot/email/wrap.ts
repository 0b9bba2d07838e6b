/**
 * Line wrapping for mail bodies. Kernel lists expect plain text wrapped at
 * 72 columns (Documentation/process/email-clients.rst asks for ~72–75);
 * quoted diff lines (`> `) are code and are never re-flowed, and a single
 * word longer than the width (a URL, a message-id) stays whole.
 *
 * @module
 */

/** The column prose is wrapped at. */
export const WRAP_WIDTH = 72;

/**
 * Wraps one paragraph line at `width`, continuing with `indent` (the line's
 * own leading whitespace, or `hang` when given, e.g. to align after a label).
 */
export function wrapLine(line: string, width = WRAP_WIDTH, hang?: string): string[] {
  if (line.length <= width || line.startsWith(">")) return [line];
  const lead = line.match(/^\s*/)![0];
  const cont = hang ?? lead;
  const words = line.slice(lead.length).split(/ +/);
  const out: string[] = [];
  let cur = lead;
  let curHasWord = false;
  for (const w of words) {
    if (!curHasWord) {
      cur += w;
      curHasWord = true;
    } else if (cur.length + 1 + w.length <= width) {
      cur += " " + w;
    } else {
      out.push(cur);
      cur = cont + w;
    }
  }
  out.push(cur);
  return out;
}

/**
 * Wraps every line of `text` (see `wrapLine`), except lines `keep` accepts
 * (a command to copy, a link: breaking them would break the copy).
 */
export function wrapText(
  text: string,
  width = WRAP_WIDTH,
  keep: (line: string) => boolean = () => false,
): string {
  return text.split("\n").flatMap((l) => keep(l) ? [l] : wrapLine(l, width)).join("\n");
}

/**
 * A `label: value` line with the value wrapped under itself:
 * `  expected: ctx[8..9] = ...` continues aligned after the label.
 */
export function labelled(
  label: string,
  value: string,
  labelWidth: number,
  indent = "  ",
): string[] {
  const head = `${indent}${(label + ":").padEnd(labelWidth + 1)} `;
  return wrapLine(head + value, WRAP_WIDTH, " ".repeat(head.length));
}
