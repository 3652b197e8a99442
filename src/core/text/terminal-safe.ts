/**
 * Untrusted text (a token's claims, a key file's labels) made safe to show on a terminal: every character that
 * could drive the terminal or change how the line reads is written as a visible escape, `\u001b`, `\u202e`,
 * `\u{e0001}`. That is C0 and C1 controls and DEL (Cc: ESC sequences, BEL, CSI), format characters (Cf: the bidi
 * embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, marks U+200E/U+200F/U+061C, zero-width and
 * tag characters), line and paragraph separators (Zl, Zp) and lone surrogates (Cs). A backslash is left as it is:
 * it drives nothing. The one function for every untrusted string shown to people.
 */
export function terminalSafe(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

/** A value as JSON (a string in double quotes, JSON-escaped), then made terminal-safe: `"a\u001bb"`, `["x",1]`. */
export function quoted(v: unknown): string {
  return terminalSafe(JSON.stringify(v) ?? String(v));
}

const CLASS = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}]';
const UNSAFE = new RegExp(CLASS, 'u');
const UNSAFE_ALL = new RegExp(CLASS, 'gu');

function escapeChar(c: string): string {
  const cp = c.codePointAt(0) as number;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

const JSON_UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * JSON text (JSON.stringify's output) made terminal-safe without changing the data it holds: every character
 * terminalSafe would escape is written as JSON's own `\uXXXX` escape (UTF-16 units), so a parser reads the same
 * strings back. JSON.stringify already escapes C0 controls and lone surrogates inside strings; this adds DEL, C1,
 * the format characters (bidi controls, zero-width, tags) and the line/paragraph separators. The line feeds of
 * pretty-printing are structure, not data, and stay.
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) =>
    c === '\n'
      ? c
      : Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
