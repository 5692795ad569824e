// Actor labels: show the end of an id that tells siblings apart (`worker-2`, not `root/api/wo…`)
// when space is short, and never let two labels overlap. Pure, so it can be tested without a
// canvas: the caller passes a text measure.

export interface LabelIn {
  id: string;
  x: number; // centre
  y: number; // baseline middle
  maxW: number; // the widest this label may be (about the spacing of its glyphs)
}

/** A text already drawn that labels keep clear of: top-left, width, height. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LabelOut {
  idx: number; // index into the input
  text: string;
  x: number;
  y: number;
  w: number;
}

/** The last path segment of an actor id (`root/api/worker-2` -> `worker-2`). */
export function lastSegment(id: string): string {
  const i = id.lastIndexOf("/", id.length - 2);
  return i >= 0 ? id.slice(i + 1) : id;
}

/** The longest end of `s`, after a leading ellipsis, that fits `maxW`; "" if not even that. */
export function keepEnd(s: string, maxW: number, measure: (s: string) => number): string {
  if (measure(s) <= maxW) return s;
  for (let k = s.length - 1; k >= 2; k--) {
    const c = `…${s.slice(s.length - k)}`;
    if (measure(c) <= maxW) return c;
  }
  return "";
}

/** Forms of a label from the most to the least informative. */
export function labelForms(id: string, maxW: number, measure: (s: string) => number): string[] {
  const seg = lastSegment(id);
  const forms = [id];
  if (seg !== id) forms.push(seg);
  const end = keepEnd(seg, maxW, measure);
  if (end && end !== seg) forms.push(end);
  return forms;
}

/**
 * Choose each label's text and drop what would overlap: each label takes the longest form no
 * wider than its `maxW`; a label that would touch one already placed tries its shorter forms, then
 * is left out (its full id stays on hover and in the inspector). When one full id does not fit,
 * every label shows last segments, in every node, so that the picture never mixes short labels
 * with full paths. A label that would run into one of `taken` (texts drawn before) is treated
 * as one that would touch a placed label.
 */
export function fitLabels(items: LabelIn[], measure: (s: string) => number, height = 11, gap = 3, taken: Box[] = []): LabelOut[] {
  const placed: LabelOut[] = [];
  // a label centred on (x, y), `height` tall, runs into a text drawn before it (`taken`)
  const onTaken = (x: number, y: number, w: number) =>
    taken.some((b) => x - w / 2 < b.x + b.w && b.x < x + w / 2 && y - height / 2 < b.y + b.h && b.y < y + height / 2);
  const hits = (x: number, y: number, w: number) =>
    placed.some((p) => Math.abs(p.y - y) < height && x - w / 2 < p.x + p.w / 2 + gap && p.x - p.w / 2 < x + w / 2 + gap) || onTaken(x, y, w);
  const short = items.some((it) => measure(it.id) > it.maxW);
  items.forEach((it, idx) => {
    const forms = labelForms(it.id, it.maxW, measure);
    if (short && forms.length > 1) forms.shift();
    for (const text of forms) {
      const w = measure(text);
      if (w > it.maxW) continue;
      if (hits(it.x, it.y, w)) continue;
      placed.push({ idx, text, x: it.x, y: it.y, w });
      return;
    }
  });
  return placed;
}
