// What a space-time frame takes, what it gives back (for clicks, tooltips and the page's data-*
// signals), and the geometry its painters share: one module so that the painters of rows,
// slices, arrows, marks and the caption agree on sizes and colours without importing each other.
import type { CausalSet } from "./causal";
import type { IntervalIndex } from "./interval_index";
import type { LaneLayout, RowGeometry } from "./spacetime_lanes";
import type { Slices } from "./spacetime_slices";
import type { EventStore } from "./store";

/** Messages drawn one by one in a window; above this, traffic bars and thinned arrows. */
export const MAX_ARROWS = 1500;
/** In a bundled window, arrows are thinned to at most this many. */
export const MAX_THIN_ARROWS = 300;
/** Handler slices drawn one by one; above this a lane shows its busy time. */
export const MAX_SLICES = 3000;
export const LABEL_W = 150;
export const AXIS_H = 28;
/** Two lines of caption under the lanes: the least it takes (it wraps onto more when it needs). */
export const CAPTION_H = 34;
/** The causal past and future: measured with the palette. */
export { FUTURE, PAST } from "./palette";
export const FONT = "11px system-ui, 'Liberation Sans', sans-serif";

export interface PaintInput {
  ctx: CanvasRenderingContext2D;
  store: EventStore;
  width: number;
  height: number;
  t: number;
  w0: number;
  w1: number;
  layout: LaneLayout;
  /** Pixels the rows are scrolled up by. */
  scroll: number;
  messages: IntervalIndex;
  slices: Slices;
  typeColor: (code: number) => string;
  /** Message type code to show alone, -2 for all. */
  msgType: number;
  selectedRow: number;
  causal: CausalSet | null;
  /** The focus's name for the caption ("message 12 ping a → b"). */
  focusLabel: string;
  /** A shorter name for a compact caption ("message 12 (ping)"), else the same. */
  focusShort?: string;
  /** Lines the last frame's caption took: this frame is laid out for them first. */
  captionLines?: number;
}

/** Where times and rows fall in one frame, and which rows are in view: what the painters
 * draw by and what a click is mapped back with. */
export interface PlotGeometry {
  plotX: number;
  plotW: number;
  xOf: (t: number) => number;
  tOf: (x: number) => number;
  rowsTop: number;
  rowsBottom: number;
  geom: RowGeometry;
  scroll: number;
  maxScroll: number;
  rowY: (r: number) => number;
  firstRow: number;
  lastRow: number;
}

/** The plot's geometry for one frame, as the painters take it. */
export interface Plot extends PlotGeometry {
  /** A focus is set: what is concurrent with it is faded. */
  dim: boolean;
}

/** How the messages of a frame were drawn: the arrows painter's answer, kept in the hit. */
export interface MessagesShown {
  /** Arrows drawn, and whether aggregated (bars and thinned arrows). */
  drawn: number;
  bundled: boolean;
  /** When bundled: one message in `stride` is an arrow; the most messages in one lane's bar. */
  stride: number;
  /** With a focus: one message in `causalStride` of its past and future is an arrow. */
  causalStride: number;
  peakPerBar: number;
  /** When bundled, per row shown: its bars summed (sent, past, future, received, past, future). */
  bars: Map<number, Float64Array> | null;
  timers: number;
}

/** What a frame drew, for clicks, tooltips and the page's data-* signals. */
export interface SpacetimeHit extends PlotGeometry, MessagesShown {
  layout: LaneLayout;
  /** Messages overlapping the window. */
  messages: number;
  hiddenMessages: number;
  slicesInWindow: number;
  slicesDrawn: number;
  marksCut: boolean;
  /** Lines the caption took, and whether any of it was cut with … (it should never be). */
  captionLines: number;
  captionCut: boolean;
  /** The caption's text, its lines joined with newlines. */
  caption: string;
  /** Every statement of the caption in full, one a line: its tooltip. */
  captionTip: string;
  /** Where the caption's strip begins (y). */
  captionTop: number;
  /** Hit geometry: arrows (message index), slices, marks (row). */
  arrows: { x0: number[]; y0: number[]; x1: number[]; y1: number[]; m: number[] };
  slices: { x0: number[]; x1: number[]; y: number[]; h: number[]; i: number[] };
  marks: { x: number[]; y: number[]; row: number[] };
}
