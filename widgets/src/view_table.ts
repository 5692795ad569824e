// The actor table view: every actor at the playhead in a searchable, sortable, filterable table
// over the stage (rows virtualised, so 100,000 actors cost the rows in sight). A click on a row
// selects the actor: the inspector follows, and so does every other view.
import type { Frame, Renderer, ViewContext, ViewModule } from "./renderer";
import { ActorTableView } from "./table_view";

class TableView implements Renderer {
  readonly foldsToPlayhead = true;
  private readonly view: ActorTableView;

  constructor(private readonly cx: ViewContext) {
    this.view = new ActorTableView(cx.store, { selectActor: (a) => cx.ctl.selectActor(a) }, cx.signal);
    this.view.onChange = () => cx.invalidate();
    cx.stage.append(this.view.el); // hidden until the table view is shown
  }

  paint(f: Frame): void {
    const { folder, ctl, root } = this.cx;
    const s = folder.stateAt(f.t);
    const own = performance.now();
    this.view.show(true);
    // while playing, an order by a changing column is redone a few times a second, less often
    // the longer it takes (so such frames stay under one in twenty)
    this.view.update(s, f.t, f.filters, f.selectedActor, ctl.playing(), Math.max(250, 25 * this.view.table.lastMs));
    const end = performance.now();
    root.dataset.tableRows = this.view.el.dataset.rows ?? "0";
    // the table's own part of the frame (the fold to t is shared by every view), and how many
    // times the rows' order was worked out: for the benchmark
    root.dataset.tableMs = (end - own).toFixed(3);
    root.dataset.tableRefolds = String(this.view.table.computed);
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
