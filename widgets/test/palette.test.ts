// The palette against the grounds it is drawn on (WCAG 2 contrast, >= 3:1 for graphics, 4.5:1
// for a chip's text) and under colour-blind simulation (Machado 2009 protanopia and
// deuteranopia, CIEDE2000 between every two status or message-type colours), in both themes.
import { afterEach, describe, expect, it } from "vitest";
import * as P from "../src/palette";
import { contrast, deltaE2000, difference, simulate, type Vision } from "./colour";

/** The scrubber's density strip under the markers (styles.ts: .ml-density). */
const STRIP = { light: P.LIGHT_CSS.strip, dark: P.DARK_CSS.strip };
const GRAPHIC = 3;
const TEXT = 4.5;
/** Minimum CIEDE2000 between two colours of one set, for every vision simulated. */
const MIN_DE = { status: 9, types: 8 };
const VISIONS: Vision[] = ["normal", "protanopia", "deuteranopia"];

afterEach(() => P.applyTheme(false));

/** Every (what, colour, ground) below `min`, as readable lines. */
function lowContrast(colours: Record<string, string>, grounds: Record<string, string>, min = GRAPHIC): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(colours)) {
    for (const [gname, g] of Object.entries(grounds)) {
      const r = contrast(c, g);
      if (r < min) out.push(`${name} ${c} on ${gname} ${g}: ${r.toFixed(2)}:1`);
    }
  }
  return out;
}

/** The closest two colours of a set for a vision, and how far apart they look. */
function closest(colours: string[], vision: Vision): [number, string] {
  let best: [number, string] = [Infinity, ""];
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      const d = difference(colours[i], colours[j], vision);
      if (d < best[0]) best = [d, `${colours[i]}/${colours[j]}`];
    }
  }
  return best;
}

/**
 * `colour` drawn at `alpha` over `ground`, as one opaque #rrggbb. An rgba() colour brings its own
 * alpha, multiplied by `alpha`.
 */
function over(colour: string, alpha: number, ground: string): string {
  const rgba = /^rgba\((\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\)$/.exec(colour.replace(/\s+/g, ""));
  const c = rgba ? [+rgba[1], +rgba[2], +rgba[3]] : [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  const a = rgba ? alpha * +rgba[4] : alpha;
  const g = [1, 3, 5].map((i) => parseInt(ground.slice(i, i + 2), 16));
  return "#" + c.map((x, i) => Math.round(x * a + g[i] * (1 - a)).toString(16).padStart(2, "0")).join("");
}

const indexed = (xs: string[], what: string) => Object.fromEntries(xs.map((c, i) => [`${what} ${i}`, c]));

describe("colour science", () => {
  it("computes WCAG contrast as the spec's examples do", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    expect(contrast("#ffffff", "#ffffff")).toBe(1);
  });

  it("computes CIEDE2000 as Sharma, Wu and Dalal's test pairs", () => {
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 3);
    expect(deltaE2000([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 3);
    expect(deltaE2000([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 3);
    expect(deltaE2000([2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514])).toBeCloseTo(0.9082, 3);
  });

  it("simulates dichromacy: greys stay grey, red and green collapse for a deuteranope", () => {
    for (const v of ["protanopia", "deuteranopia"] as Vision[]) {
      const [r, g, b] = simulate("#808080", v);
      expect(Math.abs(r - g) + Math.abs(g - b)).toBeLessThan(0.01);
    }
    // the old palette's green and red message types: far apart to most, the same to a deuteranope
    expect(difference("#59a14f", "#e15759", "normal")).toBeGreaterThan(40);
    expect(difference("#59a14f", "#e15759", "deuteranopia")).toBeLessThan(2);
  });
});

for (const theme of ["light", "dark"] as const) {
  describe(`the ${theme} palette`, () => {
    const use = () => P.applyTheme(theme === "dark");
    const grounds = () => ({ page: P.THEME.bg, "node up": P.NODE_STYLE.up.fill });

    it("draws actor statuses at 3:1 on the page and on node regions (up, or in another state)", () => {
      use();
      expect(lowContrast(P.STATUS_COLOR, { ...grounds(), "node other": P.NODE_STYLE.other.fill })).toEqual([]);
    });

    it("draws message types at 3:1 on the page and on node regions", () => {
      use();
      expect(lowContrast(indexed(P.TYPE_PALETTE, "type"), grounds())).toEqual([]);
    });

    it("draws the scrubber's markers at 3:1 on its strip", () => {
      use();
      expect(lowContrast(P.MARKER_COLOR, { page: P.THEME.bg, strip: STRIP[theme] })).toEqual([]);
    });

    it("draws partition sides, cut links, bridges and the other marks at 3:1, chip text at 4.5:1", () => {
      use();
      const marks = { PARTITION: P.PARTITION, BRIDGE: P.BRIDGE, HUNG: P.HUNG, HANDLER_ERROR: P.HANDLER_ERROR, DROP: P.DROP, TRANSIT: P.TRANSIT, HEAT: P.HEAT };
      expect(lowContrast({ ...indexed(P.SIDE_COLOR, "side"), ...marks }, grounds())).toEqual([]);
      // chips with text: sides, cuts, bridges, and the inspector's status and maintenance chips
      const chips = [...P.SIDE_COLOR, P.PARTITION, P.BRIDGE, ...Object.values(P.STATUS_COLOR), ...Object.values(P.MAINT_COLOR)].flatMap((c) => lowContrast({ [`text on ${c}`]: P.inkOn(c) }, { chip: c }, TEXT));
      expect(chips).toEqual([]);
      expect(lowContrast(P.MAINT_COLOR, { page: P.THEME.bg })).toEqual([]);
    });

    it("draws event marks (spawn, restart, stop, node down or leaving, deck links) at 3:1, their text at 4.5:1", () => {
      use();
      const { daemonChip, restartCount, drainText, ...marks } = P.EVENT_COLOR;
      expect(lowContrast({ ...marks, restartCount, drainText }, grounds())).toEqual([]);
      // the restart count beside a glyph and a draining node's foot line are text on the page
      expect(lowContrast({ restartCount, drainText }, { page: P.THEME.bg }, TEXT)).toEqual([]);
      // the deck's chips (heat, load, daemons, drift) carry the ink that reads best on them
      const chips = [daemonChip, P.HEAT, P.HANDLER_ERROR].flatMap((c) => lowContrast({ [`text on ${c}`]: P.inkOn(c) }, { chip: c }, TEXT));
      expect(chips).toEqual([]);
    });

    it("draws ink on marks and dead nodes, supervision links and notes at 3:1, their text at 4.5:1", () => {
      use();
      const ink = P.INK;
      const down = P.NODE_STYLE.down.fill;
      expect(lowContrast({ "cross on a failed glyph": ink.onMark }, { failed: P.STATUS_COLOR.failed })).toEqual([]);
      expect(lowContrast({ "hourglass outline": P.HUNG }, { "hourglass fill": P.THEME.halo })).toEqual([]);
      expect(lowContrast({ "dead node cross": ink.deadCross }, { "node down": down })).toEqual([]);
      expect(lowContrast({ "label on a dead node": ink.downLabel }, { "node down": down }, TEXT)).toEqual([]);
      expect(lowContrast({ supervision: ink.supervision }, grounds())).toEqual([]);
      expect(lowContrast({ note: ink.noteText }, { "note fill": ink.noteFill }, TEXT)).toEqual([]);
    });

    it("draws the views' furniture (zones, tree edges, captions, playhead, bars, density) at 3:1, its text at 4.5:1", () => {
      use();
      const v = P.VIEW;
      const page = { page: P.THEME.bg };
      // a zone's outline is the only edge between its cells and the next zone's
      expect(lowContrast({ "zone outline": v.zoneEdge }, { ...page, "zone fill": v.zoneFill })).toEqual([]);
      // a zone's counts are text on the zone, on the focused row, and the pill's on its fill
      const zoneInks = { failed: v.zoneFailed, restarting: v.zoneRestarting, busy: v.zoneBusy, hung: v.zoneHung, muted: P.THEME.muted, text: P.THEME.text, state: P.NODE_STYLE.other.text };
      expect(lowContrast(zoneInks, { "zone fill": v.zoneFill, "focused row": v.zoneFocus }, TEXT)).toEqual([]);
      expect(lowContrast({ "all zones": P.THEME.text }, { pill: v.zoneBack }, TEXT)).toEqual([]);
      // the zone's alarm outline and the dead cell's cross
      expect(lowContrast({ failed: v.zoneFailed, restarting: v.zoneRestarting }, { ...page, "zone fill": v.zoneFill })).toEqual([]);
      expect(lowContrast({ "tree edge": v.treeEdge, playhead: v.playhead, "no status": v.noStatus }, page)).toEqual([]);
      // the tree's second line of a restarting actor, the partition caption's bold line, the note of bundled lanes
      expect(lowContrast({ "restarting line": P.EVENT_COLOR.restartCount, "caption bold": v.captionBold, "caption note": v.captionNote }, page, TEXT)).toEqual([]);
      // a sent-message bar is the grey at 0.55 opacity over the page
      expect(lowContrast({ "sent bars": over(v.bars, 0.55, P.THEME.bg) }, page)).toEqual([]);
      expect(lowContrast({ density: v.density }, { strip: STRIP[theme] })).toEqual([]);
      expect(lowContrast({ [`text on ${v.noStatus}`]: P.inkOn(v.noStatus) }, { chip: v.noStatus }, TEXT)).toEqual([]);
    });

    it("draws the causal past and future at 3:1 on the page, apart to colour-blind eyes", () => {
      use();
      expect(lowContrast({ past: P.PAST, future: P.FUTURE }, { page: P.THEME.bg })).toEqual([]);
      for (const v of VISIONS) expect(difference(P.PAST, P.FUTURE, v)).toBeGreaterThan(MIN_DE.status);
    });

    it("leaves the guides faint but visible: nothing is read from them alone", () => {
      use();
      // exempt from 3:1 (palette.ts GUIDE says why); each must still differ from its ground
      const g = P.GUIDE;
      const solid = { grid: g.grid, "band line": g.bandLine, lane: g.lane, "outside shade": over(g.outside, 1, P.THEME.bg), "band tint": over(g.band, 1, P.THEME.bg) };
      for (const [name, c] of Object.entries(solid)) expect(contrast(c, P.THEME.bg), name).toBeGreaterThan(1.04);
      // the lanes' lines stay fainter than any mark drawn on them
      expect(contrast(g.lane, P.THEME.bg)).toBeLessThan(GRAPHIC);
    });

    it("keeps statuses and message types apart under protanopia and deuteranopia", () => {
      use();
      const far: string[] = [];
      const sets = { status: Object.values(P.STATUS_COLOR), types: P.TYPE_PALETTE };
      for (const [name, colours] of Object.entries(sets)) {
        for (const v of VISIONS) {
          const [d, pair] = closest(colours, v);
          if (d < MIN_DE[name as keyof typeof MIN_DE]) far.push(`${name} ${v}: ${pair} ΔE2000 ${d.toFixed(1)}`);
        }
      }
      expect(far).toEqual([]);
    });
  });
}

describe("the branch tabs and overlay (CSS custom properties)", () => {
  for (const [theme, c, page, strip] of [["light", P.LIGHT_BRANCH, "#ffffff", STRIP.light], ["dark", P.DARK_BRANCH, "#1b1d20", STRIP.dark]] as const) {
    it(`reads at 4.5:1 and draws at 3:1 in the ${theme} theme`, () => {
      expect(lowContrast({ text: c.text, hint: c.hint, "divergence label": c.on, problem: c.problemText }, { page }, TEXT)).toEqual([]);
      expect(lowContrast({ "tab text": c.tabText }, { tab: c.tabFill }, TEXT)).toEqual([]);
      expect(lowContrast({ "pressed tab text": c.onText }, { "pressed tab": c.on }, TEXT)).toEqual([]);
      // the divergence label sits on its own translucent fill over the scrubber's strip
      expect(lowContrast({ "divergence label": c.on }, { "label fill": over(c.labelFill, 1, strip) }, TEXT)).toEqual([]);
      expect(lowContrast({ "divergence line": c.on, "problem edge": c.problemEdge }, { page, strip })).toEqual([]);
    });
  }

  it("sets every colour as a custom property the stylesheet reads", () => {
    const vars = P.cssVars("br", P.LIGHT_BRANCH);
    expect(vars).toContain("--ml-br-on:#1971c2;");
    expect(Object.keys(P.DARK_BRANCH)).toEqual(Object.keys(P.LIGHT_BRANCH));
  });
});

describe("the canvas's HTML furniture (CSS custom properties)", () => {
  for (const [theme, c] of [["light", P.LIGHT_CSS], ["dark", P.DARK_CSS]] as const) {
    it(`reads at 4.5:1 on its grounds in the ${theme} theme`, () => {
      const { page, bar, panel } = c;
      // text on the page (legend, ticks, empty note, deck), the toolbar and the inspector
      expect(lowContrast({ text: c.text, legend: c.legend, "legend title": c.legendTitle, tick: c.tick, empty: c.empty, short: c.short, pending: c.pending, live: c.live, count: c.count }, { page }, TEXT)).toEqual([]);
      expect(lowContrast({ time: c.time, text: c.text, live: c.live, "table head": c.head }, { toolbar: bar }, TEXT)).toEqual([]);
      expect(lowContrast({ text: c.text, subtitle: c.subtitle, key: c.key, dim: c.dim, link: c.link, pending: c.pending }, { inspector: panel }, TEXT)).toEqual([]);
      expect(lowContrast({ "pressed button": c.onText }, { "its fill": c.on }, TEXT)).toEqual([]);
      expect(lowContrast({ playhead: c.playhead }, { strip: STRIP[theme] })).toEqual([]);
      // controls, a failure's box, the tooltip, and a table row hovered or selected carry text
      expect(lowContrast({ "control text": c.controlText }, { control: c.control }, TEXT)).toEqual([]);
      expect(lowContrast({ text: c.text }, { failure: c.failFill, "row hovered": c.rowHover, "row selected": c.rowSel }, TEXT)).toEqual([]);
      expect(lowContrast({ tip: c.tipText }, { "tip over the page": over(c.tip, 1, page) }, TEXT)).toEqual([]);
      // the keyboard focus ring and a hovered marker's outline must be seen; the table head's hovered title read
      expect(lowContrast({ focus: c.focus, "marker hover": c.markerHover }, { page })).toEqual([]);
      expect(lowContrast({ "head hovered": c.headHover }, { "table head": bar }, TEXT)).toEqual([]);
      // borders, rules and hover fills are decoration (palette.ts LIGHT_CSS says why): only visible
      const decor = { edge: c.edge, rule: c.rule, "control edge": c.controlEdge, "control hover": c.controlHover, sep: c.sep, "tick edge": c.tickEdge, group: c.group, "head edge": c.headEdge };
      for (const [name, d] of Object.entries(decor)) expect(contrast(d, page), name).toBeGreaterThan(1.04);
      expect(contrast(c.failEdge, c.failFill), "failure edge").toBeGreaterThan(1.04);
      expect(contrast(c.rowEdge, page), "row edge").toBeGreaterThan(1.02);
    });
  }

  it("sets one custom property per colour, the same names in both themes", () => {
    expect(Object.keys(P.DARK_CSS)).toEqual(Object.keys(P.LIGHT_CSS));
    expect(P.cssVars("c", P.LIGHT_CSS)).toContain("--ml-c-tick:#6c757d;");
  });
});

it("switches every themed colour back and forth in place", () => {
  const light = { s: { ...P.STATUS_COLOR }, t: [...P.TYPE_PALETTE], m: { ...P.MARKER_COLOR }, p: P.PARTITION, d: P.DROP };
  P.applyTheme(true);
  expect(P.STATUS_COLOR.busy).not.toBe(light.s.busy);
  expect(P.TYPE_PALETTE).not.toEqual(light.t);
  expect(P.PARTITION).not.toBe(light.p);
  expect(P.EVENT_COLOR.spawn).not.toBe("#2b8a3e");
  expect(P.typeColor(1)).toBe(P.TYPE_PALETTE[1]);
  P.applyTheme(false);
  expect({ s: { ...P.STATUS_COLOR }, t: [...P.TYPE_PALETTE], m: { ...P.MARKER_COLOR }, p: P.PARTITION, d: P.DROP }).toEqual(light);
});
