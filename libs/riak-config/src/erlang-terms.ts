import { TemplateError } from './template';

/** An Erlang term as it appears in config files. */
export type Term =
  | { type: 'atom'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'binary'; value: string | number[] }
  | { type: 'tuple'; items: Term[] }
  | { type: 'list'; items: Term[]; tail?: Term }
  | { type: 'map'; entries: [Term, Term][] };

interface Token {
  kind: 'atom' | 'var' | 'int' | 'float' | 'string' | 'char' | 'punct' | 'eof';
  text: string;
  value?: string | bigint | number;
  line: number;
  column: number;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const err = (msg: string): never => {
    throw new TemplateError(msg, line, col);
  };
  const adv = (n = 1) => {
    for (let k = 0; k < n; k++) {
      if (src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const escape = (quote: string): string => {
    adv();
    let out = '';
    for (;;) {
      if (i >= src.length) err(`unterminated ${quote === '"' ? 'string' : 'quoted atom'}`);
      const c = src[i];
      if (c === quote) {
        adv();
        return out;
      }
      if (c === '\\') {
        adv();
        const e = src[i];
        if (e === undefined) err('unterminated escape');
        const map: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          s: ' ',
          e: '\x1b',
          '\\': '\\',
          '"': '"',
          "'": "'",
        };
        out += map[e] ?? e;
        adv();
        continue;
      }
      out += c;
      adv();
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      adv();
      continue;
    }
    if (c === '%') {
      while (i < src.length && src[i] !== '\n') adv();
      continue;
    }
    const start = { line, column: col };
    if (/[a-z]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_@]/.test(src[j])) j++;
      const text = src.slice(i, j);
      adv(j - i);
      tokens.push({ kind: 'atom', text, value: text, ...start });
    } else if (/[A-Z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j])) j++;
      const text = src.slice(i, j);
      adv(j - i);
      tokens.push({ kind: 'var', text, ...start });
    } else if (
      /[0-9]/.test(c) ||
      (c === '-' &&
        /[0-9]/.test(src[i + 1] ?? '') &&
        !/[0-9A-Za-z_)\]}]/.test(prevSignificant(tokens)))
    ) {
      const m = /^-?(\d+#[0-9A-Za-z]+|\d+\.\d+(?:[eE][-+]?\d+)?|\d+)/.exec(src.slice(i))!;
      const text = m[0];
      adv(text.length);
      if (text.includes('#')) {
        const neg = text.startsWith('-');
        const [base, digits] = text.replace('-', '').split('#');
        const b = Number(base);
        if (b < 2 || b > 36) err(`invalid base ${base}`);
        let v = 0n;
        for (const d of digits.toLowerCase()) {
          const n = parseInt(d, 36);
          if (n >= b) err(`digit '${d}' is not valid in base ${b}`);
          v = v * BigInt(b) + BigInt(n);
        }
        tokens.push({ kind: 'int', text, value: neg ? -v : v, ...start });
      } else if (text.includes('.'))
        tokens.push({ kind: 'float', text, value: Number(text), ...start });
      else tokens.push({ kind: 'int', text, value: BigInt(text), ...start });
    } else if (c === '"') tokens.push({ kind: 'string', text: '"', value: escape('"'), ...start });
    else if (c === "'") tokens.push({ kind: 'atom', text: "'", value: escape("'"), ...start });
    else if (c === '$') {
      adv();
      if (i >= src.length) err('character literal without a character');
      let ch = src[i];
      if (ch === '\\') {
        adv();
        ch = { n: '\n', t: '\t', s: ' ', r: '\r' }[src[i] ?? ''] ?? src[i] ?? '';
      }
      adv();
      tokens.push({ kind: 'int', text: '$', value: BigInt(ch.codePointAt(0) ?? 0), ...start });
    } else if (
      src.startsWith('<<', i) ||
      src.startsWith('>>', i) ||
      src.startsWith('=>', i) ||
      src.startsWith(':=', i)
    ) {
      tokens.push({ kind: 'punct', text: src.slice(i, i + 2), ...start });
      adv(2);
    } else if ('{}[](),|.#-+/:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, ...start });
      adv();
    } else err(`unexpected character '${c}'`);
  }
  tokens.push({ kind: 'eof', text: 'end of file', line, column: col });
  return tokens;
}

function prevSignificant(tokens: Token[]): string {
  const t = tokens[tokens.length - 1];
  return t ? t.text.slice(-1) : '';
}

/** Parses Erlang terms; a file of config must be one term followed by `.`. */
export function parseErlangTerms(src: string): Term[] {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const fail = (expected: string, t = peek()): never => {
    throw new TemplateError(`expected ${expected}, found '${t.text}'`, t.line, t.column);
  };
  const expect = (text: string) => {
    if (peek().text !== text || peek().kind === 'string' || peek().kind === 'atom')
      fail(`'${text}'`);
    p++;
  };
  const term = (): Term => {
    const t = peek();
    switch (t.kind) {
      case 'atom':
        p++;
        return { type: 'atom', value: t.value as string };
      case 'int':
        p++;
        return { type: 'integer', value: t.value as bigint };
      case 'float':
        p++;
        return { type: 'float', value: t.value as number };
      case 'string': {
        p++;
        let value = t.value as string;
        while (peek().kind === 'string') {
          value += peek().value as string;
          p++;
        }
        return { type: 'string', value };
      }
      case 'var':
        return fail('a term (variables are not allowed in config)');
      case 'eof':
        return fail('a term');
      default:
        break;
    }
    if (t.text === '{') {
      p++;
      const items: Term[] = [];
      if (peek().text !== '}') {
        items.push(term());
        while (peek().text === ',') {
          p++;
          items.push(term());
        }
      }
      expect('}');
      return { type: 'tuple', items };
    }
    if (t.text === '[') {
      p++;
      const items: Term[] = [];
      let tail: Term | undefined;
      if (peek().text !== ']') {
        items.push(term());
        while (peek().text === ',') {
          p++;
          items.push(term());
        }
        if (peek().text === '|') {
          p++;
          tail = term();
        }
      }
      expect(']');
      return tail ? { type: 'list', items, tail } : { type: 'list', items };
    }
    if (t.text === '<<') {
      p++;
      if (peek().kind === 'string') {
        const s = peek().value as string;
        p++;
        expect('>>');
        return { type: 'binary', value: s };
      }
      const bytes: number[] = [];
      if (peek().text !== '>>') {
        for (;;) {
          const b = peek();
          if (b.kind !== 'int') fail('a byte');
          const v = Number(b.value);
          if (v < 0 || v > 255) fail('a byte (0-255)');
          bytes.push(v);
          p++;
          if (peek().text !== ',') break;
          p++;
        }
      }
      expect('>>');
      return { type: 'binary', value: bytes };
    }
    if (t.text === '#') {
      p++;
      expect('{');
      const entries: [Term, Term][] = [];
      if (peek().text !== '}') {
        for (;;) {
          const k = term();
          if (peek().text !== '=>' && peek().text !== ':=') fail("'=>'");
          p++;
          entries.push([k, term()]);
          if (peek().text !== ',') break;
          p++;
        }
      }
      expect('}');
      return { type: 'map', entries };
    }
    return fail('a term');
  };
  const out: Term[] = [];
  while (peek().kind !== 'eof') {
    out.push(term());
    expect('.');
  }
  return out;
}

/**
 * Checks an advanced.config: exactly one term, a list of `{Application, [...]}` pairs with an atom
 * first, as Riak (and any OTP release) loads it.
 */
export function validateAdvancedConfig(src: string): Term {
  const terms = parseErlangTerms(src);
  if (terms.length !== 1)
    throw new TemplateError(
      `advanced.config must hold exactly one term followed by '.', found ${terms.length}`,
      1,
      1,
    );
  const t = terms[0];
  if (t.type !== 'list' || t.tail)
    throw new TemplateError('advanced.config must be a list: [{app, [...]}, ...].', 1, 1);
  t.items.forEach((item, i) => {
    if (
      item.type !== 'tuple' ||
      item.items.length !== 2 ||
      item.items[0].type !== 'atom' ||
      item.items[1].type !== 'list'
    ) {
      throw new TemplateError(
        `item ${i + 1} of advanced.config must be {application_name, [settings]}`,
        1,
        1,
      );
    }
  });
  return t;
}
