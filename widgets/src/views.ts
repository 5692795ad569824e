// The views of the canvas, in the order the toolbar shows them and the `v` key cycles through
// them; the first is the default. A new view is a module exporting a ViewModule, listed here.
import type { ViewModule } from "./renderer";
import { flowsView } from "./view_flows";
import { spacetimeView } from "./view_spacetime";
import { tableView } from "./view_table";
import { topologyView } from "./view_topology";
import { treeView } from "./view_tree";

export const VIEWS: readonly ViewModule[] = [topologyView, treeView, spacetimeView, flowsView, tableView];
