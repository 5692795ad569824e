// The side panel of one view: the selected actor or node at the playhead (and the MeshOS deck),
// rebuilt only when what it shows changed, and at most ten times a second while playing.
import type { Controller } from "./controller";
import type { DeckCache } from "./deck_cache";
import { busySince, type Folder } from "./fold";
import { KEY_HELP } from "./input";
import { renderActor, renderNode, type InspectorHandlers } from "./inspector";
import { renderDeckNode, renderDeckSummary } from "./inspector_deck";
import type { EventStore } from "./store";

export class InspectorPanel {
  readonly el: HTMLDivElement;
  private key = "";
  private last = 0;
  private readonly handlers: InspectorHandlers;

  constructor(
    private readonly store: EventStore,
    private readonly folder: Folder,
    private readonly ctl: Controller,
    private readonly deck: DeckCache,
  ) {
    this.el = document.createElement("div");
    this.el.className = "ml-inspector";
    this.handlers = {
      selectActor: (a) => ctl.selectActor(a),
      selectNode: (n) => ctl.selectNode(n),
      jump: (x) => ctl.setPlayhead(x, true),
    };
  }

  /** Forget what is shown (the theme changed). */
  reset(): void {
    this.key = "";
  }

  /**
   * Update after a frame was painted. `folded` is false when the renderer left the folder
   * elsewhere than the playhead (the space-time view does not fold).
   */
  update(view: string, folded: boolean, engine: boolean): void {
    const { store, folder, ctl } = this;
    const { t, selectedActor, selectedNode } = ctl;
    const now = performance.now();
    const s = folder.state;
    const nothing = selectedActor < 0 && selectedNode < 0;
    // busy, idle and hung also change between events (a handler runs on): part of the key
    const since = selectedActor >= 0 ? busySince(s, selectedActor, t) : NaN;
    const running = Number.isNaN(since) ? "" : `${since}:${Math.floor(t - since)}`;
    // the deck's part follows the playhead's events in every view (the space-time view does not fold)
    const deckRows = engine ? store.rowsAt(t) : "";
    const key = nothing ? `none:${deckRows}` : `${selectedActor}:${selectedNode}:${s.row}:${view}:${running}:${deckRows}`;
    if (key === this.key) return;
    if (ctl.playing() && now - this.last < 100) return; // DOM rebuilds at most ten per second
    this.key = key;
    this.last = now;
    if (!folded) folder.stateAt(t);
    const el = this.el;
    if (selectedActor >= 0) renderActor(el, store, folder.state, selectedActor, t, this.handlers);
    else if (selectedNode >= 0) renderNode(el, store, folder.state, selectedNode, t, this.handlers);
    else el.innerHTML = `<div class="ml-dim">Click an actor or a node to inspect it at the playhead.<br><br>Keys: ${KEY_HELP}</div>`;
    if (engine) {
      const deck = this.deck.at(t, () => folder.stateAt(t), ctl.desired());
      if (selectedNode >= 0) renderDeckNode(el, deck, store.str(store.nodeCodes[selectedNode]), this.handlers);
      else if (selectedActor < 0) renderDeckSummary(el, deck);
    }
  }
}
