// dockerfile-ast looks for a UTF-8 byte-order mark with Node's `Buffer.from(char, 'UTF-8')`,
// which a web view does not have: every parse threw there (vitest runs on Node and never
// saw it). The parser needs nothing but the UTF-8 bytes of one character, so a web view gets
// exactly that; on Node the real Buffer stays.
const scope = globalThis as { Buffer?: unknown };
if (scope.Buffer === undefined) {
  const encoder = new TextEncoder();
  scope.Buffer = { from: (text: string) => encoder.encode(text) };
}
