// The actor table view: every actor at the playhead in a searchable, sortable, filterable table
// over the stage (rows virtualised, so 100,000 actors cost the rows in sight). A click on a row
// selects the actor: the inspector follows, and so does every other view.
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { ActorTableView } from "./table_view";

class TableView implements Renderer {
  readonly foldsToPlayhead = true;
  private readonly view: ActorTableView;
  /** Milliseconds the last refresh of the rows took; the refresh gap while playing follows it. */
  private cost = 0;

  constructor(private readonly cx: ViewContext) {
    this.view = new ActorTableView(cx.store, { selectActor: (a) => cx.ctl.selectActor(a) }, cx.signal);
    this.view.onChange = () => cx.invalidate();
    cx.stage.append(this.view.el); // hidden until the table view is shown
  }

  paint(f: Frame): void {
    const { folder, ctl, root } = this.cx;
    const start = performance.now();
    const s = folder.stateAt(f.t);
    this.view.show(true);
    // while playing, the rows follow the playhead a few times a second (more often when cheap)
    this.view.update(s, f.t, f.filters, f.selectedActor, ctl.playing(), Math.max(100, 8 * this.cost));
    this.cost = performance.now() - start;
    root.dataset.tableRows = this.view.el.dataset.rows ?? "0";
  }

  actorAt(): number {
    return -1;
  }

  tip(): string {
    return "";
  }

  click(): void {}

  leave(): void {
    this.view.show(false);
  }
}

export const tableView: ViewModule = {
  name: "table",
  label: "table",
  title: "every actor at the playhead: search, filter, sort; click a row to select it (v)",
  create: (cx) => new TableView(cx),
};
