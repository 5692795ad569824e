// Styles live in the bundle (not a separate CSS file) so that the standalone HTML replay and
// every notebook front end get exactly the same look from one file.
import { cssVars, DARK_CSS, LIGHT_CSS } from "./palette";

export const CSS = `
.meshlab-canvas{${cssVars("c", LIGHT_CSS)}}
.ml-dark.meshlab-canvas{${cssVars("c", DARK_CSS)}}
.meshlab-canvas{font:12px system-ui,-apple-system,'Segoe UI','Liberation Sans',sans-serif;color:var(--ml-c-text);
  display:flex;flex-direction:column;border:1px solid var(--ml-c-edge);border-radius:6px;background:var(--ml-c-page);outline:none;
  box-sizing:border-box;width:100%;overflow:hidden}
.meshlab-canvas:focus-visible{box-shadow:0 0 0 2px var(--ml-c-focus)}
.meshlab-canvas *{box-sizing:border-box}
.ml-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:5px 8px;border-bottom:1px solid var(--ml-c-rule);background:var(--ml-c-bar)}
.ml-toolbar button,.ml-toolbar select{font:inherit;border:1px solid var(--ml-c-controlEdge);background:var(--ml-c-control);border-radius:4px;padding:2px 7px;cursor:pointer;color:var(--ml-c-controlText)}
.ml-toolbar button:hover{background:var(--ml-c-controlHover)}
.ml-toolbar button svg{vertical-align:-1px}
.ml-prev,.ml-next{display:inline-flex;align-items:center;gap:2px;font-size:11px}
.ml-toolbar button.ml-on{background:var(--ml-c-on);color:var(--ml-c-onText);border-color:var(--ml-c-on)}
.ml-toolbar label{display:flex;align-items:center;gap:3px;cursor:pointer}
.ml-time{font-variant-numeric:tabular-nums;min-width:150px;color:var(--ml-c-time)}
.ml-sep{width:1px;height:18px;background:var(--ml-c-sep)}
.ml-live{color:var(--ml-c-live)}
.ml-body{display:flex;flex:1;min-height:0}
.ml-stage{position:relative;flex:1;min-width:0}
.ml-stage canvas{position:absolute;inset:0;width:100%;height:100%;cursor:default}
.ml-inspector{width:270px;border-left:1px solid var(--ml-c-rule);padding:8px 10px 12px;overflow:auto;background:var(--ml-c-panel)}
.ml-stacked.meshlab-canvas{height:auto!important}
.ml-stacked .ml-body{flex-direction:column;flex:none}
.ml-stacked .ml-stage{flex:none}
.ml-stacked .ml-inspector{width:auto;border-left:none;border-top:1px solid var(--ml-c-rule);overflow:visible}
.ml-inspector .ml-title{font-size:13px;margin-bottom:6px;word-break:break-all}
.ml-inspector .ml-subtitle{margin:8px 0 3px;font-weight:600;color:var(--ml-c-subtitle)}
.ml-kv{border-collapse:collapse;width:100%}
.ml-kv th{text-align:left;font-weight:normal;color:var(--ml-c-key);padding:1px 6px 1px 0;white-space:nowrap;vertical-align:top}
.ml-kv td{padding:1px 0;word-break:break-all}
.ml-chip{display:inline-block;padding:0 6px;border-radius:8px;font-weight:600}
.ml-failure{margin-top:8px;padding:6px;border:1px solid var(--ml-c-failEdge);background:var(--ml-c-failFill);border-radius:4px;word-break:break-word}
.ml-dim{color:var(--ml-c-dim)}
.ml-link{font:inherit;border:none;background:none;padding:0;margin:0;min-width:0;width:auto;height:auto;line-height:inherit;display:inline;color:var(--ml-c-link);cursor:pointer;text-decoration:underline}
.ml-recorder{margin:0;padding-left:18px;font-size:11px}
.ml-recorder li{margin:1px 0;word-break:break-word}
.ml-actors{margin:0;padding-left:4px;list-style:none;font-size:11px}
.ml-dot{display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:4px}
.ml-scrubber{position:relative;height:52px;margin:6px 10px 0 10px;cursor:ew-resize;touch-action:none;user-select:none}
.ml-density{position:absolute;left:0;right:0;top:8px;width:100%;height:28px;background:var(--ml-c-strip);border-radius:3px}
.ml-markers{position:absolute;left:0;right:0;top:0;height:10px}
.ml-marker{position:absolute;top:0;width:9px;height:9px;margin-left:-4.5px;border:1px solid var(--ml-c-page);border-radius:2px;padding:0;cursor:pointer;transform:rotate(45deg)}
.ml-marker:hover{outline:2px solid var(--ml-c-markerHover)}
.ml-axis{position:absolute;left:0;right:0;top:36px;height:14px;pointer-events:none}
.ml-tick{position:absolute;top:0;height:14px;border-left:1px solid var(--ml-c-tickEdge);padding-left:2px;font-size:9px;line-height:14px;color:var(--ml-c-tick);white-space:nowrap;font-variant-numeric:tabular-nums}
.ml-tick-end{border-left:none;border-right:1px solid var(--ml-c-tickEdge);padding:0 2px 0 0;transform:translateX(-100%)}
.ml-playhead{position:absolute;top:2px;bottom:12px;width:2px;margin-left:-1px;background:var(--ml-c-playhead);pointer-events:none}
.ml-legend{display:flex;flex-wrap:wrap;gap:2px 9px;padding:3px 10px 6px;color:var(--ml-c-legend);font-size:11px}
.ml-legend span{display:inline-flex;align-items:center;gap:3px}
.ml-sw{display:inline-block;width:10px;height:10px;border-radius:5px}
.ml-legend .ml-lg-group{gap:8px;padding-right:8px;border-right:1px solid var(--ml-c-group)}
.ml-legend .ml-lg-title{color:var(--ml-c-legendTitle)}
.ml-dia{display:inline-block;width:8px;height:8px;border-radius:1px;transform:rotate(45deg);margin:0 2px}
.ml-tip{position:absolute;pointer-events:none;background:var(--ml-c-tip);color:var(--ml-c-tipText);padding:4px 7px;border-radius:4px;
  font-size:11px;max-width:320px;white-space:pre-line;z-index:5;display:none}
.ml-empty{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:var(--ml-c-empty);pointer-events:none}
.ml-deck{margin-bottom:6px}
.ml-legend .ml-lg-deck{flex-wrap:wrap;row-gap:2px}
.ml-legend .ml-lg-deck>span{white-space:nowrap}
.ml-deck .ml-short{color:var(--ml-c-short);font-weight:600}
.ml-act-pending{color:var(--ml-c-pending)}
`;
