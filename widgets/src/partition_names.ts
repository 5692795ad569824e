// How a partition's caption names a set of nodes: by name when there are few, as runs of
// consecutively numbered names ("n0–n7, n9") when that is shorter, else counted. One set of
// rules for the flat caption and the zoned one, for a side and for a cut group alike.
import { fmtInt } from "./lod";
import type { PartialCut } from "./partition";
import { sideName } from "./partition";

/** Up to this many nodes are named one by one even when their runs would be shorter. */
const FEW = 4;
/** A run takes at least this many consecutive names ("n0, n1" stays a list). */
const RUN = 3;
/** At most this many runs or names in a cut group's list; the nodes past them are counted. */
const CAPTION_VIA = 4;

/** A name as a prefix and its trailing number ("rack2-n07" → "rack2-n", 7), or null. */
function numbered(s: string): [string, number] | null {
  const m = /^(.*?)(\d+)$/.exec(s);
  return m && m[2].length <= 9 ? [m[1], Number(m[2])] : null;
}

/**
 * The nodes as runs: names with one prefix and consecutive numbers, at least RUN of them, become
 * "first–last"; every other node stays by its name. In natural order (n2 before n10). A run is
 * made from the names, never from node indexes, so "n0–n7" always means n0, n1, …, n7, each one
 * in the set.
 */
export function nodeRuns(ns: number[], name: (n: number) => string): string[] {
  const items = ns.map((n) => {
    const s = name(n);
    return { s, num: numbered(s) };
  });
  items.sort((a, b) => {
    if (a.num && b.num) return a.num[0] < b.num[0] ? -1 : a.num[0] > b.num[0] ? 1 : a.num[1] - b.num[1];
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  });
  const out: string[] = [];
  for (let k = 0; k < items.length; ) {
    let e = k;
    const p = items[k].num;
    if (p) {
      while (e + 1 < items.length) {
        const q = items[e + 1].num;
        if (!q || q[0] !== p[0] || q[1] !== items[e].num![1] + 1) break;
        e++;
      }
    }
    if (e - k + 1 >= RUN) out.push(`${items[k].s}–${items[e].s}`);
    else for (let i = k; i <= e; i++) out.push(items[i].s);
    k = e + 1;
  }
  return out;
}

/** The nodes' runs (or names) joined, at most `max` of them, the nodes past those counted. */
export function nodeList(ns: number[], name: (n: number) => string, max = CAPTION_VIA): string {
  const runs = nodeRuns(ns, name);
  if (runs.length <= max) return runs.join(", ");
  const shown = runs.slice(0, max);
  // how many nodes the runs shown stand for: the rest are counted
  let named = 0;
  for (const r of shown) {
    const [a, b] = r.split("–");
    named += b === undefined ? 1 : numbered(b)![1] - numbered(a)![1] + 1;
  }
  return `${shown.join(", ")} +${fmtInt(ns.length - named)} more`;
}

/**
 * A side's caption line: its nodes by name when there are few (or the names are the shorter
 * form), else their runs ("side A: 8 nodes: n0–n7"), whichever of them `fits`; else how many
 * nodes (in how many zones, when drawn in zones): hovering the side's outline names them all.
 */
export function sideText(i: number, g: number[], name: (n: number) => string, zoneOf: ((n: number) => number) | null, fits: (t: string) => boolean): string {
  const head = `side ${sideName(i)}: `;
  const full = `${head}${g.map(name).join(", ")}`;
  const count = `${head}${fmtInt(g.length)} node${g.length === 1 ? "" : "s"}`;
  const ranged = `${count}: ${nodeRuns(g, name).join(", ")}`;
  const order = g.length <= FEW || full.length <= ranged.length ? [full, ranged] : [ranged, full];
  for (const t of order) if (fits(t)) return t;
  if (!zoneOf) return count;
  const zones = new Set(g.map(zoneOf)).size;
  return `${count} in ${fmtInt(zones)} zone${zones === 1 ? "" : "s"}`;
}

/** "n0, n1 ✂ n2, n3 · via n4": a cut group in the caption, its lists as runs, cut short after a few. */
export function partialText(g: PartialCut, name: (n: number) => string): string {
  const via = g.via.length ? `via ${nodeList(g.via, name)}` : g.route.length ? `via ${g.route.map(name).join(" → ")}` : "";
  return `${nodeList(g.x, name)} ✂ ${nodeList(g.y, name)}${via ? ` · ${via}` : ""}`;
}

/**
 * A cut end's chip: the nodes it cannot reach directly, from the most to the least telling form.
 * Their runs or names ("✂ n8–n14", "✂ n2, n3"), the first run and how many more nodes
 * ("✂ n8–n14 +1"), how many nodes ("✂ 9 nodes"), the bare count ("✂ 9"): the header takes the
 * first that fits; the caption and the curves' tooltips name them all.
 */
export function cutChipForms(peers: number[], name: (n: number) => string): string[] {
  const runs = nodeRuns(peers, name);
  const forms = [`✂ ${runs.join(", ")}`];
  if (runs.length > 1) {
    const [a, b] = runs[0].split("–");
    const first = b === undefined ? 1 : numbered(b)![1] - numbered(a)![1] + 1;
    forms.push(`✂ ${runs[0]} +${fmtInt(peers.length - first)}`);
  }
  if (peers.length > 1) forms.push(`✂ ${fmtInt(peers.length)} nodes`);
  forms.push(`✂ ${fmtInt(peers.length)}`);
  // a shorter form only where it is shorter (one node: its name may be shorter than a count)
  const out = [forms[0]];
  for (const f of forms.slice(1)) if (f.length < out[out.length - 1].length) out.push(f);
  return out;
}
