/**
 * Walks the parse tree the way Go's text/template exec does: dot and variables, pipelines that
 * feed each command's result into the next as its last argument, and Go's "no value" rules.
 */
import type { Arg, Command, ControlNode, Node, Pipe } from './ast.js';
import { FuncError, execError } from './errors.js';
import { FUNCTIONS, LAZY_FUNCTIONS } from './functions.js';
import { ARG_COST, STEP_COST, WALK_COST, valueTooLong, WorkMeter, type TemplateLimits } from './limits.js';
import { describeValue, elementCount, field, formatAction, isMap, isTrue, sortedKeys } from './values.js';
import { HeraldError } from '../../../errors/index.js';

/** Marks "no piped value": distinct from undefined, which is Go's "no value" and can be piped. */
const NONE = Symbol('none');
type Signal = 'break' | 'continue' | undefined;

export function execute(nodes: Node[], data: unknown, limits: TemplateLimits): string {
  // Go executes with reflect.ValueOf(nil) for nil data, which is "no value" rather than nil.
  const dot = data === null ? undefined : data;
  const state = new State(dot, limits);
  state.list(nodes, dot);
  return state.out;
}

class State {
  out = '';
  private bytes = 0;
  private readonly meter: WorkMeter;
  private readonly vars: Array<{ name: string; value: unknown }>;

  constructor(data: unknown, private readonly limits: TemplateLimits) {
    this.meter = new WorkMeter(limits);
    this.vars = [{ name: '$', value: data }];
  }

  list(nodes: Node[], dot: unknown): Signal {
    for (const node of nodes) {
      const signal = this.node(node, dot);
      if (signal) return signal;
    }
    return undefined;
  }

  private step(): void {
    this.meter.charge(STEP_COST);
  }

  private write(text: string): void {
    this.meter.charge(text.length);
    this.bytes += Buffer.byteLength(text, 'utf8');
    if (this.bytes > this.limits.maxOutputBytes) throw new HeraldError('templateMessageTooLarge');
    this.out += text;
  }

  private node(node: Node, dot: unknown): Signal {
    this.step();
    switch (node.kind) {
      case 'text':
        this.write(node.text);
        return undefined;
      case 'action': {
        const value = this.pipe(node.pipe, dot);
        // A declaration prints nothing.
        if (node.pipe.vars.length === 0) this.write(formatAction(value, this.limits.maxValueChars));
        return undefined;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        const value = this.pipe(node.pipe, dot);
        let signal: Signal;
        if (isTrue(value)) signal = this.list(node.list, node.kind === 'with' ? value : dot);
        else if (node.elseList) signal = this.list(node.elseList, dot);
        this.vars.length = mark;
        return signal;
      }
      case 'range':
        return this.range(node, dot);
      default:
        return node.kind;
    }
  }

  private range(node: ControlNode, dot: unknown): Signal {
    const outer = this.vars.length;
    const value = this.pipe(node.pipe, dot);
    const mark = this.vars.length;
    const { vars: names, assign } = node.pipe;
    /** Runs the body once; true means a {{break}} ended the loop. */
    const iterate = (key: unknown, elem: unknown): boolean => {
      this.step();
      const values = names.length === 2 ? [key, elem] : [elem];
      names.forEach((name, i) => {
        if (assign) this.assign(name, values[i]);
        else this.vars[mark - names.length + i].value = values[i];
      });
      const signal = this.list(node.list, elem);
      this.vars.length = mark;
      return signal === 'break';
    };
    let count = 0;
    if (Array.isArray(value)) {
      count = value.length;
      for (let i = 0; i < value.length && !iterate(BigInt(i), value[i]); i++);
    } else if (isMap(value)) {
      const keys = sortedKeys(value);
      count = keys.length;
      for (let i = 0; i < keys.length && !iterate(keys[i], value[keys[i]]); i++);
    } else if (typeof value === 'bigint') {
      // Go 1.22 ranges over an int; only one variable makes sense then.
      if (names.length > 1) execError(`can't use ${names.join(', ')} to iterate over ${value}`);
      count = Number(value > 0n ? value : 0n);
      for (let i = 0n; i < value && !iterate(i, i); i++);
    } else if (value !== undefined && value !== null) {
      execError(`range can't iterate over ${describeValue(value)}`);
    }
    let signal: Signal;
    if (count === 0 && node.elseList) signal = this.list(node.elseList, dot);
    this.vars.length = outer;
    return signal;
  }

  private pipe(pipe: Pipe, dot: unknown): unknown {
    let value: unknown = NONE;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, value);
      // Go digs into each interface{} result, which turns a nil (JSON null) into "no value".
      if (value === null) value = undefined;
    }
    for (const name of pipe.vars) {
      if (pipe.assign) this.assign(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private command(cmd: Command, dot: unknown, piped: unknown): unknown {
    this.step();
    const [first, ...args] = cmd.args;
    switch (first.kind) {
      case 'ident':
        return this.call(first.name, args, dot, piped);
      case 'field':
        return this.fields(dot, first.names, args.length > 0 || piped !== NONE);
      case 'variable':
        if (first.names.length > 0) return this.fields(this.lookup(first.name), first.names, args.length > 0 || piped !== NONE);
        break;
      case 'chain':
        return this.fields(this.arg(first.base, dot), first.names, args.length > 0 || piped !== NONE);
      case 'nil':
        return execError('nil is not a command');
      default:
        break;
    }
    if (args.length > 0 || piped !== NONE) execError(`can't give argument to non-function ${describe(first)}`);
    return this.arg(first, dot);
  }

  private fields(receiver: unknown, names: string[], hasArgs: boolean): unknown {
    this.meter.charge(names.length);
    let value = receiver;
    for (const name of names) value = field(value, name);
    if (hasArgs) execError(`${names[names.length - 1]} is not a method but has arguments`);
    return value;
  }

  private arg(arg: Arg, dot: unknown): unknown {
    this.meter.charge(ARG_COST);
    switch (arg.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'literal': return arg.value;
      case 'field': return this.fields(dot, arg.names, false);
      case 'variable': return this.fields(this.lookup(arg.name), arg.names, false);
      case 'ident': return this.call(arg.name, [], dot, NONE);
      case 'chain': return this.fields(this.arg(arg.base, dot), arg.names, false);
      case 'pipe': return this.pipe(arg.pipe, dot);
    }
  }

  private call(name: string, argNodes: Arg[], dot: unknown, piped: unknown): unknown {
    const fn = FUNCTIONS.get(name);
    if (!fn) return execError(`function "${name}" not defined`);
    const count = argNodes.length + (piped === NONE ? 0 : 1);
    if (count < fn.min || count > fn.max) {
      const want = fn.max === Infinity ? `at least ${fn.min}` : fn.min === fn.max ? `${fn.min}` : `${fn.min} to ${fn.max}`;
      execError(`wrong number of args for ${name}: want ${want} got ${count}`);
    }
    if (LAZY_FUNCTIONS.has(name)) {
      // Since Go 1.18 these stop at the first argument that decides the result.
      let value: unknown;
      for (const node of argNodes) {
        value = this.arg(node, dot);
        if (isTrue(value) === (name === 'or')) return value;
      }
      return piped === NONE ? value : piped;
    }
    const args = argNodes.map((node) => this.arg(node, dot));
    if (piped !== NONE) args.push(piped);
    // Every function reads its string arguments, and the result is paid for as it is produced.
    for (const a of args) {
      if (typeof a === 'string') this.meter.charge(a.length);
      else if (fn.walks && typeof a === 'object' && a !== null) this.meter.charge(WALK_COST * elementCount(a));
    }
    let result: unknown;
    try {
      result = fn.call(args.map((a) => (a === undefined ? null : a)), this.meter);
    } catch (err) {
      if (err instanceof FuncError) execError(`error calling ${name}: ${err.message}`);
      throw err;
    }
    if (typeof result === 'string') {
      this.meter.charge(result.length);
      if (result.length > this.limits.maxValueChars) valueTooLong(name, this.limits.maxValueChars);
    }
    return result;
  }

  private lookup(name: string): unknown {
    this.meter.charge(this.vars.length);
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return execError(`undefined variable: ${name}`);
  }

  private assign(name: string, value: unknown): void {
    this.meter.charge(this.vars.length);
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    execError(`undefined variable: ${name}`);
  }
}

function describe(arg: Arg): string {
  switch (arg.kind) {
    case 'dot': return '.';
    case 'variable': return arg.name;
    case 'literal': return typeof arg.value === 'string' ? JSON.stringify(arg.value) : String(arg.value);
    default: return 'value';
  }
}
