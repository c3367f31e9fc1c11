// A Dockerfile ARG default as the builder reads it: quotes removed (nothing expands inside
// '…'), the escape character taken literally before the next character, and `$NAME`,
// `${NAME}`, `${NAME:-word}`, `${NAME:+word}` expanded (an unknown name is empty). Other `${…}`
// forms (BuildKit's `#`, `%`, `/` patterns) are left to the builder: "cannot say" (undefined).

/** Name → value (null: declared without a value; undefined: a value we could not work out). */
export type Scope = Map<string, string | null | undefined>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}/;

export function expand(text: string, scope: Scope, escape = '\\'): string | undefined {
  let out = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else out += c;
    } else if (c === escape && i + 1 < text.length) {
      out += text[++i];
    } else if (c === quote) {
      quote = null;
    } else if (quote === null && (c === '"' || c === "'")) {
      quote = c;
    } else if (c === '$') {
      const rest = text.slice(i + 1);
      const bare = NAME.exec(rest);
      const braced = bare ? null : BRACED.exec(rest);
      if (bare) {
        out += scope.get(bare[0]) ?? '';
        if (scope.has(bare[0]) && scope.get(bare[0]) === undefined) return undefined;
        i += bare[0].length;
      } else if (braced) {
        const [whole, name, op, word] = braced;
        const value = scope.get(name);
        if (scope.has(name) && value === undefined) return undefined;
        const set = value !== undefined && value !== null && value !== '';
        let part: string | undefined = value ?? '';
        if (op === ':-') part = set ? value : expand(word, scope, escape);
        if (op === ':+') part = set ? expand(word, scope, escape) : '';
        if (part === undefined) return undefined;
        out += part;
        i += whole.length;
      } else if (rest.startsWith('{')) {
        return undefined;
      } else out += c;
    } else out += c;
  }
  return out;
}
