// anywidget entry: `initialize` once per model (the data path), `render` once per view. Both
// hand anywidget their cleanup; a view also ends when anywidget aborts its signal.
import type { AnyWidget } from "@anywidget/types";
import { attachBranches, detachBranches, mountBranches } from "./branches";
import { attach, detach } from "./channel";
import type { Traits } from "./model";

export { mountStandalone } from "./standalone";

const widget: AnyWidget<Traits> = {
  initialize({ model }) {
    attach(model);
    attachBranches(model); // a canvas without branches only listens: nothing is asked for
    return () => {
      detach(model);
      detachBranches(model);
    };
  },
  render({ model, el, signal }) {
    const view = mountBranches(el, model, { signal }); // one view, or one per branch shown
    return () => view.destroy();
  },
};

export default widget;
