// Styles live in the bundle (not a separate CSS file) so that the standalone HTML replay and
// every notebook front end get exactly the same look from one file.
export const CSS = `
.meshlab-canvas{font:12px system-ui,-apple-system,'Segoe UI','Liberation Sans',sans-serif;color:#222;
  display:flex;flex-direction:column;border:1px solid #d5d9de;border-radius:6px;background:#fff;outline:none;
  box-sizing:border-box;width:100%;overflow:hidden}
.meshlab-canvas:focus-visible{box-shadow:0 0 0 2px #74c0fc}
.meshlab-canvas *{box-sizing:border-box}
.ml-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:5px 8px;border-bottom:1px solid #eceff2;background:#f8f9fa}
.ml-toolbar button,.ml-toolbar select{font:inherit;border:1px solid #c9ced4;background:#fff;border-radius:4px;padding:2px 7px;cursor:pointer;color:#222}
.ml-toolbar button:hover{background:#eef2f6}
.ml-toolbar button svg{vertical-align:-1px}
.ml-prev,.ml-next{display:inline-flex;align-items:center;gap:2px;font-size:11px}
.ml-toolbar button.ml-on{background:#24466b;color:#fff;border-color:#24466b}
.ml-toolbar label{display:flex;align-items:center;gap:3px;cursor:pointer}
.ml-time{font-variant-numeric:tabular-nums;min-width:150px;color:#333}
.ml-sep{width:1px;height:18px;background:#d5d9de}
.ml-live{color:#c92a2a}
.ml-body{display:flex;flex:1;min-height:0}
.ml-stage{position:relative;flex:1;min-width:0}
.ml-stage canvas{position:absolute;inset:0;width:100%;height:100%;cursor:default}
.ml-inspector{width:270px;border-left:1px solid #eceff2;padding:8px 10px 12px;overflow:auto;background:#fcfcfd}
.ml-inspector .ml-title{font-size:13px;margin-bottom:6px;word-break:break-all}
.ml-inspector .ml-subtitle{margin:8px 0 3px;font-weight:600;color:#555}
.ml-kv{border-collapse:collapse;width:100%}
.ml-kv th{text-align:left;font-weight:normal;color:#666;padding:1px 6px 1px 0;white-space:nowrap;vertical-align:top}
.ml-kv td{padding:1px 0;word-break:break-all}
.ml-chip{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-weight:600}
.ml-failure{margin-top:8px;padding:6px;border:1px solid #f1aeb5;background:#fff5f5;border-radius:4px;word-break:break-word}
.ml-dim{color:#777}
.ml-link{font:inherit;border:none;background:none;padding:0;margin:0;min-width:0;width:auto;height:auto;line-height:inherit;display:inline;color:#1c64b4;cursor:pointer;text-decoration:underline}
.ml-recorder{margin:0;padding-left:18px;font-size:11px}
.ml-recorder li{margin:1px 0;word-break:break-word}
.ml-actors{margin:0;padding-left:4px;list-style:none;font-size:11px}
.ml-dot{display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:4px}
.ml-scrubber{position:relative;height:52px;margin:6px 10px 0 10px;cursor:ew-resize;touch-action:none;user-select:none}
.ml-density{position:absolute;left:0;right:0;top:8px;width:100%;height:28px;background:#f8f9fa;border-radius:3px}
.ml-markers{position:absolute;left:0;right:0;top:0;height:10px}
.ml-marker{position:absolute;top:0;width:9px;height:9px;margin-left:-4.5px;border:1px solid #fff;border-radius:2px;padding:0;cursor:pointer;transform:rotate(45deg)}
.ml-marker:hover{outline:2px solid #222}
.ml-axis{position:absolute;left:0;right:0;top:36px;height:14px;pointer-events:none}
.ml-tick{position:absolute;top:0;height:14px;border-left:1px solid #ced4da;padding-left:2px;font-size:9px;line-height:14px;color:#868e96;white-space:nowrap;font-variant-numeric:tabular-nums}
.ml-tick-end{border-left:none;border-right:1px solid #ced4da;padding:0 2px 0 0;transform:translateX(-100%)}
.ml-playhead{position:absolute;top:2px;bottom:12px;width:2px;margin-left:-1px;background:#e8590c;pointer-events:none}
.ml-legend{display:flex;flex-wrap:wrap;gap:10px;padding:3px 10px 6px;color:#555;font-size:11px}
.ml-legend span{display:inline-flex;align-items:center;gap:3px}
.ml-sw{display:inline-block;width:10px;height:10px;border-radius:5px}
.ml-legend .ml-lg-group{gap:8px;padding-right:8px;border-right:1px solid #e3e6ea}
.ml-legend .ml-lg-title{color:#888}
.ml-dia{display:inline-block;width:8px;height:8px;border-radius:1px;transform:rotate(45deg);margin:0 2px}
.ml-tip{position:absolute;pointer-events:none;background:rgba(33,37,41,.94);color:#fff;padding:4px 7px;border-radius:4px;
  font-size:11px;max-width:320px;white-space:pre-line;z-index:5;display:none}
.ml-empty{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:#888;pointer-events:none}
.ml-deck{margin-bottom:6px}
.ml-legend .ml-lg-deck{flex-wrap:wrap;row-gap:2px}
.ml-legend .ml-lg-deck>span{white-space:nowrap}
.ml-deck .ml-short{color:#d9480f;font-weight:600}
.ml-act-pending{color:#6b4d00}
.ml-dark.meshlab-canvas{color:#e9ecef;background:#1b1d20;border-color:#3a3f45}
.ml-dark .ml-toolbar{background:#25282c;border-color:#3a3f45}
.ml-dark .ml-toolbar button,.ml-dark .ml-toolbar select{background:#2f3337;color:#e9ecef;border-color:#4a5057}
.ml-dark .ml-toolbar button:hover{background:#3a3f45}
.ml-dark .ml-toolbar button.ml-on{background:#4c6f94;border-color:#4c6f94}
.ml-dark .ml-time{color:#ced4da}
.ml-dark .ml-sep{background:#4a5057}
.ml-dark .ml-inspector{background:#202327;border-color:#3a3f45}
.ml-dark .ml-inspector .ml-subtitle{color:#ced4da}
.ml-dark .ml-kv th,.ml-dark .ml-dim{color:#a0a8b0}
.ml-dark .ml-link{color:#74c0fc}
.ml-dark .ml-failure{background:#3b1f22;border-color:#8a3a42}
.ml-dark .ml-density{background:#25282c}
.ml-dark .ml-marker{border-color:#1b1d20}
.ml-dark .ml-marker:hover{outline-color:#f8f9fa}
.ml-dark .ml-tick{color:#a0a8b0;border-color:#4a5057}
.ml-dark .ml-legend{color:#ced4da}
.ml-dark .ml-legend .ml-lg-group{border-color:#3a3f45}
.ml-dark .ml-legend .ml-lg-title{color:#a0a8b0}
.ml-dark .ml-act-pending{color:#ffd8a8}
.ml-dark .ml-deck .ml-short{color:#ff922b}
.ml-dark .ml-empty{color:#a0a8b0}
`;
