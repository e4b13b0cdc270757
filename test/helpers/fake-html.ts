// The small HTML subsets chat platforms parse (Telegram's parse_mode HTML, Google Chat's card
// text), checked the way the platforms refuse them: an unknown tag, an unclosed or stray
// closing tag, a bare "<", ">" or "&", or an entity they do not know.

const ENTITY = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/;
const TAG = /^<(\/?)([a-z][a-z0-9-]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*(\/?)>/;

/** Problems in `html`, worded like Telegram's "can't parse entities" errors; empty when it parses. */
export function htmlProblems(html: string, allowed: ReadonlySet<string>, voidTags: ReadonlySet<string> = new Set()): string[] {
  const open: string[] = [];
  for (let i = 0; i < html.length; i++) {
    const ch = html[i];
    if (ch === "&") {
      if (!ENTITY.test(html.slice(i, i + 12))) return [`unsupported or bare "&" at offset ${i}`];
    } else if (ch === ">") {
      return [`bare ">" at offset ${i}`];
    } else if (ch === "<") {
      const tag = TAG.exec(html.slice(i, i + 2048));
      if (!tag) return [`bare "<" at offset ${i}`];
      const [whole, closing, name] = tag;
      if (!allowed.has(name!)) return [`unsupported tag "${name}" at offset ${i}`];
      if (closing) {
        if (open.pop() !== name) return [`unmatched end tag "${name}" at offset ${i}`];
      } else if (!voidTags.has(name!)) open.push(name!);
      i += whole.length - 1;
    }
  }
  return open.length > 0 ? [`unclosed tag "${open.at(-1)}"`] : [];
}

/** The text a reader sees: tags removed, entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, "&");
}
