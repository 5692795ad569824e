// anywidget entry: `initialize` once per model (the data path), `render` once per view. Both
// hand anywidget their cleanup; a view also ends when anywidget aborts its signal.
import type { AnyWidget } from "@anywidget/types";
import { attach, detach } from "./channel";
import type { Traits } from "./model";
import { createView } from "./view";

export { mountStandalone } from "./standalone";

const widget: AnyWidget<Traits> = {
  initialize({ model }) {
    attach(model);
    return () => detach(model);
  },
  render({ model, el, signal }) {
    const view = createView(el, model, attach(model), { signal });
    return () => view.destroy();
  },
};

export default widget;
