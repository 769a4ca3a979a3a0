/**
 * The small template language of Centrifugo's push payloads: a subset of Go's text/template,
 * enough for `{{.device.user}}`, `{{.device.meta.first_name}}` and
 * `{{default [[hello]] .l10n.greeting}}` (sprig's `default`). It is parsed once per push and
 * rendered once per device, so parsing does the work (each action becomes a closure) and
 * rendering is a loop of string concatenations. Nothing here is Turing-complete or unbounded:
 * no loops, no conditionals, no user-defined functions, a fixed number of actions.
 */

/** What a template may read: the device and the translations picked for its locale. */
export interface TemplateScope {
  device: { id: string; user: string; meta: Readonly<Record<string, unknown>> };
  l10n: Readonly<Record<string, string>>;
}

export interface TemplateLimits {
  /** Longest template string, in UTF-16 units. */
  maxChars: number;
  /** Actions (`{{ … }}`) in one template. */
  maxActions: number;
}

export interface CompiledTemplate {
  render(scope: TemplateScope): string;
  /** How many `{{ … }}` actions it holds, for a limit across a whole push. */
  readonly actions: number;
  /** False when the template reads nothing of the device itself (only `.l10n`): its render depends on the locale alone. */
  readonly readsDevice: boolean;
}

export type ParseResult = { ok: true; template: CompiledTemplate } | { ok: false; problem: string };

/** True when the string holds an action, i.e. is a template rather than plain text. */
export function isTemplate(text: string): boolean {
  return text.includes('{{');
}

type Eval = (scope: TemplateScope) => unknown;
type Token = { kind: 'path'; path: string[]; text: string } | { kind: 'literal'; value: string } | { kind: 'ident'; name: string } | { kind: 'pipe' };

class TemplateSyntax extends Error {}

export function parseTemplate(text: string, limits: TemplateLimits): ParseResult {
  if (text.length > limits.maxChars) return { ok: false, problem: `a template is at most ${limits.maxChars} characters (got ${text.length})` };
  try {
    return { ok: true, template: compile(text, limits) };
  } catch (err) {
    if (err instanceof TemplateSyntax) return { ok: false, problem: err.message };
    throw err;
  }
}

function compile(text: string, limits: TemplateLimits): CompiledTemplate {
  const parts: (string | Eval)[] = [];
  let readsDevice = false;
  let actions = 0;
  let pos = 0;
  let pendingText = '';
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      pendingText += text.slice(pos);
      break;
    }
    let before = text.slice(pos, open);
    let start = open + 2;
    // Go's trim markers: `{{- ` eats the whitespace before the action, ` -}}` the whitespace after.
    if (text[start] === '-' && isSpace(text[start + 1])) {
      before = before.trimEnd();
      start += 2;
    }
    const close = findClose(text, start);
    if (close < 0) throw new TemplateSyntax(`unclosed action at character ${open + 1}`);
    let end = close;
    let trimAfter = false;
    if (text[close - 1] === '-' && close - 2 >= start && isSpace(text[close - 2])) {
      end = close - 1;
      trimAfter = true;
    }
    pendingText += before;
    if (pendingText) parts.push(pendingText);
    pendingText = '';
    actions += 1;
    if (actions > limits.maxActions) throw new TemplateSyntax(`a template holds at most ${limits.maxActions} actions`);
    const action = parseAction(text.slice(start, end), open + 1);
    if (action.readsDevice) readsDevice = true;
    parts.push(action.run);
    pos = close + 2;
    if (trimAfter) while (pos < text.length && isSpace(text[pos])) pos += 1;
  }
  if (pendingText) parts.push(pendingText);
  return {
    actions,
    readsDevice,
    render(scope) {
      let out = '';
      for (const part of parts) out += typeof part === 'string' ? part : show(part(scope));
      return out;
    },
  };
}

/** The `}}` ending an action, skipping over string literals that may contain one. */
function findClose(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (text.startsWith('}}', i)) return i;
    if (text.startsWith('[[', i)) {
      const endAt = text.indexOf(']]', i + 2);
      if (endAt < 0) return -1;
      i = endAt + 2;
    } else if (c === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '`') {
      const endAt = text.indexOf('`', i + 1);
      if (endAt < 0) return -1;
      i = endAt + 1;
    } else {
      i += 1;
    }
  }
  return -1;
}

/** One action: a pipeline of commands, each the previous one's value appended as its last argument. */
function parseAction(source: string, at: number): { run: Eval; readsDevice: boolean } {
  const where = `in the action at character ${at}`;
  const tokens = tokenize(source, where);
  if (tokens.length === 0) throw new TemplateSyntax(`empty action ${where}`);
  const commands: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'pipe') commands.push([]);
    else commands[commands.length - 1]!.push(t);
  }
  let readsDevice = false;
  let run: Eval | undefined;
  commands.forEach((command, i) => {
    if (command.length === 0) throw new TemplateSyntax(`missing command around '|' ${where}`);
    const [head, ...args] = command;
    if (head!.kind === 'ident') {
      if (head!.name !== 'default') throw new TemplateSyntax(`unknown function '${head!.name}' ${where} (only default is available)`);
      const argc = args.length + (run ? 1 : 0);
      if (argc !== 2) throw new TemplateSyntax(`default takes 2 arguments, a fallback and a value (got ${argc}) ${where}`);
      const evals = args.map((a) => operand(a, where));
      if (args.some((a) => a.kind === 'path' && a.path[0] === 'device')) readsDevice = true;
      const fallback = evals[0]!;
      const given = run ?? evals[1]!;
      run = (scope) => {
        const value = given(scope);
        return isEmpty(value) ? fallback(scope) : value;
      };
      return;
    }
    if (i > 0) throw new TemplateSyntax(`after '|' comes a function, not a value ${where}`);
    if (args.length > 0) throw new TemplateSyntax(`unexpected ${describe(args[0]!)} after a value ${where}`);
    if (head!.kind === 'path' && head!.path[0] === 'device') readsDevice = true;
    run = operand(head!, where);
  });
  return { run: run!, readsDevice };
}

function operand(token: Token, where: string): Eval {
  if (token.kind === 'literal') {
    const value = token.value;
    return () => value;
  }
  if (token.kind === 'path') return lookup(token, where);
  throw new TemplateSyntax(`unexpected ${describe(token)} ${where}`);
}

/** `.device.id`, `.device.user`, `.device.meta.<key>…` and `.l10n.<key>`; nothing else exists. */
function lookup(token: Extract<Token, { kind: 'path' }>, where: string): Eval {
  const [root, field, ...rest] = token.path;
  const known = 'use .device.id, .device.user, .device.meta.<key> or .l10n.<key>';
  if (root === 'l10n') {
    if (field === undefined || rest.length > 0) throw new TemplateSyntax(`${token.text} ${where}: a translation is .l10n.<key>`);
    return (scope) => (Object.hasOwn(scope.l10n, field) ? scope.l10n[field] : undefined);
  }
  if (root !== 'device' || field === undefined) throw new TemplateSyntax(`unknown variable ${token.text} ${where} (${known})`);
  if (field === 'id' || field === 'user') {
    if (rest.length > 0) throw new TemplateSyntax(`unknown variable ${token.text} ${where} (${known})`);
    return field === 'id' ? (scope) => scope.device.id : (scope) => scope.device.user;
  }
  if (field !== 'meta' || rest.length === 0) throw new TemplateSyntax(`unknown variable ${token.text} ${where} (${known})`);
  return (scope) => {
    let value: unknown = scope.device.meta;
    for (const key of rest) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

function tokenize(source: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (isSpace(c)) {
      i += 1;
    } else if (c === '|') {
      tokens.push({ kind: 'pipe' });
      i += 1;
    } else if (source.startsWith('[[', i)) {
      const end = source.indexOf(']]', i + 2);
      if (end < 0) throw new TemplateSyntax(`unterminated [[ literal ${where}`);
      tokens.push({ kind: 'literal', value: source.slice(i + 2, end) });
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw new TemplateSyntax(`unterminated string literal ${where}`);
      let value: unknown;
      try {
        value = JSON.parse(source.slice(i, j + 1));
      } catch {
        throw new TemplateSyntax(`bad escape in string literal ${source.slice(i, j + 1)} ${where}`);
      }
      tokens.push({ kind: 'literal', value: value as string });
      i = j + 1;
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new TemplateSyntax(`unterminated raw string ${where}`);
      tokens.push({ kind: 'literal', value: source.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '.' || /[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_.]/.test(source[j]!)) j += 1;
      const text = source.slice(i, j);
      if (c === '.') {
        const path = text.slice(1).split('.');
        if (path.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw new TemplateSyntax(`bad field path ${text} ${where}`);
        tokens.push({ kind: 'path', path, text });
      } else {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) throw new TemplateSyntax(`unexpected '${text}' ${where}`);
        tokens.push({ kind: 'ident', name: text });
      }
      i = j;
    } else {
      throw new TemplateSyntax(`unexpected '${c}' ${where} (a value is .device.…, .l10n.…, [[text]] or "text")`);
    }
  }
  return tokens;
}

function describe(t: Token): string {
  return t.kind === 'path' ? t.text : t.kind === 'literal' ? `literal ${JSON.stringify(t.value)}` : t.kind === 'ident' ? `'${t.name}'` : "'|'";
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** sprig's notion of empty, which `default` replaces. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** A missing value renders as nothing (Go would print `<no value>`, which no one wants on a lock screen). */
function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
