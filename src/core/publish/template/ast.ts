/**
 * The parse tree. It mirrors Go's text/template/parse node kinds closely enough that Go's
 * documented evaluation rules can be applied node by node.
 */

/** A literal's value: strings, Go ints (bigint, so they print without float formatting), floats, bools. */
export type Literal = string | number | bigint | boolean;

export type Arg =
  | { kind: 'dot' }
  | { kind: 'nil' }
  | { kind: 'literal'; value: Literal }
  | { kind: 'field'; names: string[] }
  | { kind: 'variable'; name: string; names: string[] }
  | { kind: 'ident'; name: string }
  | { kind: 'chain'; base: Arg; names: string[] }
  | { kind: 'pipe'; pipe: Pipe };

export interface Command {
  args: Arg[];
  line: number;
}

export interface Pipe {
  /** Declared or assigned variable names, e.g. ['$i', '$v']. */
  vars: string[];
  /** True for `$x = ...` (assign to an existing variable), false for `$x := ...`. */
  assign: boolean;
  cmds: Command[];
}

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | undefined;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; line: number };
