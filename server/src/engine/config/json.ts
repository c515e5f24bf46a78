// A small JSON reader that keeps offsets (RFC 8259; no comments, no trailing
// commas): every node has its [start, end) offsets, and a string node the
// offset of each character of its decoded value, so a finding inside a string
// (a composer script, a Dockerfile exec-form argument) can point at the exact
// characters. Returns undefined on a syntax error.

interface JsonBase {
  start: number;
  end: number;
}

export interface JsonString extends JsonBase {
  kind: 'string';
  value: string;
  /** Offset (in the parsed text) of each character of `value`; an escape maps to its `\`. */
  offsets: number[];
}

export interface JsonMember {
  key: JsonString;
  value: JsonNode;
}

export type JsonNode =
  | JsonString
  | (JsonBase & { kind: 'object'; members: JsonMember[] })
  | (JsonBase & { kind: 'array'; items: JsonNode[] })
  | (JsonBase & { kind: 'number'; value: number })
  | (JsonBase & { kind: 'boolean'; value: boolean })
  | (JsonBase & { kind: 'null' });

class JsonSyntaxError extends Error {}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses a JSON text; undefined when it is not JSON. Offsets are relative to `text` plus `base`. */
export function parseJson(text: string, base = 0): JsonNode | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(`JSON syntax error at ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): JsonString => {
    const start = i;
    i++; // "
    let value = '';
    const offsets: number[] = [];
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') break;
      if (c.charCodeAt(0) < 0x20) fail();
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
          value += String.fromCharCode(parseInt(hex, 16));
          offsets.push(base + i);
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          value += ESCAPES[e];
          offsets.push(base + i);
          i += 2;
        } else {
          fail();
        }
      } else {
        value += c;
        offsets.push(base + i);
        i++;
      }
    }
    i++; // "
    return { kind: 'string', value, offsets, start: base + start, end: base + i };
  };
  const val = (depth: number): JsonNode => {
    if (depth > 512) fail();
    ws();
    const start = i;
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const members: JsonMember[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', members, start: base + start, end: base + i };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        members.push({ key, value: val(depth + 1) });
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { kind: 'object', members, start: base + start, end: base + i };
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items, start: base + start, end: base + i };
      }
      for (;;) {
        items.push(val(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', items, start: base + start, end: base + i };
        } else fail();
      }
    }
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { ...node, start: base + start, end: base + i } as JsonNode;
      }
    }
    const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (num) {
      i += num[0].length;
      return { kind: 'number', value: Number(num[0]), start: base + start, end: base + i };
    }
    return fail();
  };
  try {
    // A UTF-8 byte order mark is tolerated.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    const root = val(0);
    ws();
    return i === text.length ? root : undefined;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return undefined;
    throw e;
  }
}

/** The member `key` of an object node. */
export function jsonMember(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.kind === 'object' ? node.members.find((m) => m.key.value === key)?.value : undefined;
}
