// The fonts the topology painters write in, one place so every module measures what it draws.
export const F_NAME = "bold 12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
export const F_TEXT = "12px system-ui, -apple-system, 'Liberation Sans', sans-serif";
export const F_SMALL = "10px system-ui, -apple-system, 'Liberation Sans', sans-serif";
export const NOTES_FONT = "11px system-ui, 'Liberation Sans', sans-serif";
