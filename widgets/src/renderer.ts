// What every view of the canvas (topology, tree, space-time, …) is to the rest of the front end:
// a module that paints one frame on the main canvas and answers the pointer over it. The view
// shell (view.ts) owns the DOM, the frame loop and the inspector; the controller owns the
// playhead, the selection and the traits. A new view is one module implementing `ViewModule`,
// listed once in views.ts.
import type { Controller } from "./controller";
import type { DeckCache } from "./deck_cache";
import type { Folder } from "./fold";
import type { Filters, SceneBuilder } from "./scene";
import type { EventStore } from "./store";

/** What a renderer shares with the shell and the other renderers of one canvas. */
export interface ViewContext {
  readonly store: EventStore;
  /** The fold over the store; renderers that show state at the playhead fold it to `t`. */
  readonly folder: Folder;
  /** One scene builder per canvas: it keeps the message-type colour order stable across views. */
  readonly builder: SceneBuilder;
  readonly ctl: Controller;
  /** The MeshOS deck at a time, computed once per time and data. */
  readonly deck: DeckCache;
  /** The canvas root: renderers publish `data-*` signals on it for tests and benchmarks. */
  readonly root: HTMLElement;
  /** The stage the main canvas sits in: a view drawn with DOM elements (a table) puts them here. */
  readonly stage: HTMLElement;
  /** Aborted when the view is destroyed: a renderer ties its own DOM listeners to it. */
  readonly signal: AbortSignal;
  /** Ask for a frame: something this renderer draws changed (a fold, a zoom). */
  invalidate(): void;
}

/** One frame to paint, read once by the shell so every renderer sees the same values. */
export interface Frame {
  ctx: CanvasRenderingContext2D;
  /** Canvas size in CSS pixels. */
  w: number;
  h: number;
  t: number;
  filters: Filters;
  /** Node names in the order the kernel declared them (meta.nodes). */
  metaNodes: string[];
  selectedActor: number;
  selectedNode: number;
  hoverActor: number;
  /** The store holds MeshOS engine events. */
  engine: boolean;
}

export interface Renderer {
  /** Paint the whole frame (the shell has cleared it). Only called when the store has rows. */
  paint(f: Frame): void;
  /** False when painting leaves the folder elsewhere than t: the inspector then folds to t. */
  readonly foldsToPlayhead: boolean;
  /** The actor under the pointer for the hover ring, or -1. */
  actorAt(x: number, y: number): number;
  /** Tooltip text at a point (empty for none). */
  tip(x: number, y: number): string;
  /** A click on the canvas (the shell has focused the root). */
  click(x: number, y: number): void;
  dblclick?(x: number, y: number): void;
  /** A wheel turn; return true to keep the page from scrolling. */
  wheel?(e: WheelEvent): boolean;
  /** The `c` key: fold the selected actor's subtree; absent where a view has no subtrees. */
  fold?(actor: number): void;
  /** Forget what was drawn (the view was switched away): no hit-testing against a stale frame. */
  leave(): void;
}

export interface ViewModule {
  /** The value of the `view` trait. */
  readonly name: string;
  /** Toolbar button text and tooltip. */
  readonly label: string;
  readonly title: string;
  create(cx: ViewContext): Renderer;
}
