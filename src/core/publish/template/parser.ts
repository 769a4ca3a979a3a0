/**
 * Builds the parse tree, following Go's text/template/parse grammar and its parse-time checks:
 * unknown functions and undefined variables are syntax errors there, so they are here too.
 */
import type { Arg, Command, Literal, Node, Pipe } from './ast.js';
import { disallowed, syntaxError } from './errors.js';
import type { Item, Token } from './lexer.js';

/** Sub-templates could recurse without bound and `call` runs arbitrary functions: ntfy refuses all four. */
const DISALLOWED = new Set(['template', 'define', 'block', 'call']);
const CONTROL_WORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue']);
// Bounds recursion in the parser and evaluator well inside the JavaScript stack.
const MAX_DEPTH = 100;

interface Terminator {
  word: 'else' | 'end';
  rest: Token[];
  line: number;
}

export function parse(items: Item[], functions: ReadonlySet<string>): Node[] {
  for (const item of items) {
    if (item.kind !== 'action') continue;
    const bad = item.tokens.find((t) => t.type === 'ident' && DISALLOWED.has(t.value));
    if (bad) disallowed(bad.line, bad.value);
  }
  const parser = new Parser(items, functions);
  const [list, term] = parser.list();
  if (term) syntaxError(term.line, `unexpected {{${term.word}}}`);
  return list;
}

/** A cursor over one action's tokens. */
class Tokens {
  private i = 0;
  constructor(private readonly tokens: Token[], readonly line: number) {}
  peek(): Token | undefined { return this.tokens[this.i]; }
  next(): Token | undefined { return this.tokens[this.i++]; }
  mark(): number { return this.i; }
  reset(mark: number): void { this.i = mark; }
}

function describe(t: Token | undefined): string {
  if (!t) return 'end of action';
  if (t.type === 'string') return JSON.stringify(t.value);
  if (t.type === 'field') return `.${t.value}`;
  if (t.type === 'variable') return `$${t.value}`;
  return `"${t.value}"`;
}

class Parser {
  private pos = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;

  constructor(private readonly items: Item[], private readonly functions: ReadonlySet<string>) {}

  /** Nodes up to the next `{{else}}` or `{{end}}`, which is returned for the caller to judge. */
  list(): [Node[], Terminator | undefined] {
    const nodes: Node[] = [];
    while (this.pos < this.items.length) {
      const item = this.items[this.pos++];
      if (item.kind === 'text') {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const result = this.action(item.tokens, item.line);
      if ('word' in result) return [nodes, result];
      nodes.push(result);
    }
    return [nodes, undefined];
  }

  private action(tokens: Token[], line: number): Node | Terminator {
    const first = tokens[0];
    const word = first?.type === 'ident' && CONTROL_WORDS.has(first.value) ? first.value : undefined;
    switch (word) {
      case 'if': case 'with': case 'range':
        return this.control(word, tokens.slice(1), line);
      case 'else':
        return { word: 'else', rest: tokens.slice(1), line };
      case 'end':
        if (tokens.length > 1) syntaxError(line, `unexpected ${describe(tokens[1])} in end`);
        return { word: 'end', rest: [], line };
      case 'break': case 'continue':
        if (this.rangeDepth === 0) syntaxError(line, `{{${word}}} outside {{range}}`);
        if (tokens.length > 1) syntaxError(line, `unexpected ${describe(tokens[1])} in {{${word}}}`);
        return { kind: word, line };
      default:
        return { kind: 'action', pipe: this.pipeline(new Tokens(tokens, line), 'command', false) };
    }
  }

  private control(kind: 'if' | 'with' | 'range', tokens: Token[], line: number): Node {
    this.enter(line);
    const mark = this.vars.length;
    const pipe = this.pipeline(new Tokens(tokens, line), kind, false);
    if (kind === 'range') this.rangeDepth++;
    const [list, term] = this.list();
    if (kind === 'range') this.rangeDepth--;
    if (!term) syntaxError(line, `unexpected EOF in {{${kind}}}`);
    let elseList: Node[] | undefined;
    if (term.word === 'else') {
      const next = term.rest[0];
      if (next?.type === 'ident' && next.value === kind && kind !== 'range') {
        // `{{else if}}` is `{{else}}{{if}}` sharing the outer `{{end}}`.
        elseList = [this.control(kind, term.rest.slice(1), term.line)];
      } else {
        if (next) syntaxError(term.line, `unexpected ${describe(next)} in else`);
        const [alternative, end] = this.list();
        if (!end) syntaxError(term.line, `unexpected EOF in {{${kind}}}`);
        if (end.word !== 'end') syntaxError(end.line, 'expected end; found {{else}}');
        elseList = alternative;
      }
    }
    this.vars.length = mark;
    this.depth--;
    return { kind, pipe, list, elseList };
  }

  private enter(line: number): void {
    if (++this.depth > MAX_DEPTH) syntaxError(line, 'template nested too deeply');
  }

  private pipeline(ts: Tokens, context: string, inParens: boolean): Pipe {
    const pipe: Pipe = { vars: [], assign: false, cmds: [] };
    this.declarations(ts, pipe, context);
    for (;;) {
      const cmd = this.command(ts);
      if (cmd.args.length === 0) syntaxError(ts.line, `missing value for ${context}`);
      pipe.cmds.push(cmd);
      const t = ts.peek();
      if (t?.type === 'pipe') {
        ts.next();
        continue;
      }
      if (t?.type === 'rparen' && !inParens) syntaxError(t.line, 'unexpected right paren');
      if (!t && inParens) syntaxError(ts.line, 'unclosed left paren');
      break;
    }
    pipe.cmds.forEach((cmd, i) => {
      const kind = cmd.args[0].kind;
      if (i > 0 && (kind === 'literal' || kind === 'dot' || kind === 'nil')) {
        syntaxError(cmd.line, `non executable command in pipeline stage ${i + 1}`);
      }
    });
    return pipe;
  }

  /** `$x :=`, `$x =`, and for range `$i, $v :=`; anything else is left for the command. */
  private declarations(ts: Tokens, pipe: Pipe, context: string): void {
    const start = ts.mark();
    const first = ts.next();
    if (first?.type !== 'variable') return ts.reset(start);
    const names = [`$${first.value}`];
    let op = ts.next();
    if (op?.type === 'comma') {
      if (context !== 'range') syntaxError(op.line, `too many declarations in ${context}`);
      const second = ts.next();
      if (second?.type !== 'variable') return syntaxError(op.line, 'range can only initialize variables');
      names.push(`$${second.value}`);
      op = ts.next();
      if (op?.type !== 'declare' && op?.type !== 'assign') syntaxError(second.line, `expected := or = after ${names.join(', ')}`);
    }
    if (op?.type !== 'declare' && op?.type !== 'assign') return ts.reset(start);
    pipe.assign = op.type === 'assign';
    if (pipe.assign) {
      for (const name of names) if (!this.vars.includes(name)) syntaxError(op.line, `undefined variable "${name}"`);
    } else {
      this.vars.push(...names);
    }
    pipe.vars = names;
  }

  private command(ts: Tokens): Command {
    const cmd: Command = { args: [], line: ts.line };
    for (;;) {
      const t = ts.peek();
      if (!t || t.type === 'pipe' || t.type === 'rparen') return cmd;
      if (cmd.args.length > 0 && !t.spaced) syntaxError(t.line, `unexpected ${describe(t)} in operand`);
      cmd.args.push(this.operand(ts));
    }
  }

  /** A term and any field chain glued to it, e.g. `$x.a.b` or `(index . 0).name`. */
  private operand(ts: Tokens): Arg {
    const term = this.term(ts);
    const names: string[] = [];
    for (let t = ts.peek(); t?.type === 'field' && !t.spaced; t = ts.peek()) {
      names.push(t.value);
      ts.next();
    }
    if (names.length === 0) return term;
    switch (term.kind) {
      case 'field': return { kind: 'field', names: [...term.names, ...names] };
      case 'variable': return { ...term, names: [...term.names, ...names] };
      case 'ident': case 'pipe': case 'chain': return { kind: 'chain', base: term, names };
      default: return syntaxError(ts.line, `unexpected . after term`);
    }
  }

  private term(ts: Tokens): Arg {
    const t = ts.next();
    if (!t) return syntaxError(ts.line, 'missing operand');
    switch (t.type) {
      case 'dot': return { kind: 'dot' };
      case 'field': return { kind: 'field', names: [t.value] };
      case 'string': return { kind: 'literal', value: t.value };
      case 'char': return { kind: 'literal', value: BigInt(t.value.codePointAt(0) ?? 0) };
      case 'number': return { kind: 'literal', value: parseNumber(t.value, t.line) };
      case 'variable': {
        const name = `$${t.value}`;
        if (!this.vars.includes(name)) syntaxError(t.line, `undefined variable "${name}"`);
        return { kind: 'variable', name, names: [] };
      }
      case 'ident': {
        if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true' };
        if (t.value === 'nil') return { kind: 'nil' };
        if (CONTROL_WORDS.has(t.value)) return syntaxError(t.line, `unexpected <${t.value}> in operand`);
        if (!this.functions.has(t.value)) return syntaxError(t.line, `function "${t.value}" not defined`);
        return { kind: 'ident', name: t.value };
      }
      case 'lparen': {
        this.enter(t.line);
        const pipe = this.pipeline(ts, 'parenthesized pipeline', true);
        if (ts.next()?.type !== 'rparen') syntaxError(t.line, 'unclosed left paren');
        this.depth--;
        return { kind: 'pipe', pipe };
      }
      default:
        return syntaxError(t.line, `unexpected ${describe(t)} in operand`);
    }
  }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's number literals: integers become ints (bigint), the rest float64. */
function parseNumber(text: string, line: number): Literal {
  const clean = text.replace(/_/g, '');
  const negative = clean.startsWith('-');
  const body = /^[+-]/.test(clean) ? clean.slice(1) : clean;
  let value: bigint | undefined;
  if (/^0[xXoObB]/.test(body)) value = BigInt(body.slice(0, 2).toLowerCase() + body.slice(2));
  else if (/^0[0-9]+$/.test(body)) {
    // A leading zero means octal in Go.
    if (!/^[0-7]+$/.test(body)) syntaxError(line, `bad number syntax: ${JSON.stringify(text)}`);
    value = BigInt(`0o${body.slice(1)}`);
  } else if (/^[0-9]+$/.test(body)) value = BigInt(body);
  if (value === undefined) return negative ? -Number(body) : Number(body);
  const signed = negative ? -value : value;
  // Beyond 64 bits Go keeps only the float reading of the constant.
  return signed < INT64_MIN || signed > UINT64_MAX ? Number(signed) : signed;
}
