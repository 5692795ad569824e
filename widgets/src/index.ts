// anywidget entry: `initialize` once per model (the data path), `render` once per view.
import { attach } from "./channel";
import type { Model } from "./model";
import { createView } from "./view";

export { mountStandalone } from "./standalone";

export default {
  initialize({ model }: { model: Model }) {
    attach(model);
  },
  render({ model, el }: { model: Model; el: HTMLElement }) {
    const view = createView(el, model, attach(model));
    return () => view.destroy();
  },
};
