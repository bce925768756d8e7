/**
 * Parse-tree nodes (Go's `text/template/parse/node.go`). `nodeString` reproduces Go's
 * Node.String(), which execution errors quote as their context: `at <.a.b>`.
 */
import type { NumberInfo } from './literals';
import { quote } from './strconv';

export const enum N {
  Text,
  Action,
  Bool,
  Chain,
  Command,
  Dot,
  Field,
  Identifier,
  If,
  List,
  Nil,
  Number,
  Pipe,
  Range,
  String,
  Template,
  Variable,
  With,
  Break,
  Continue,
  End,
  Else,
}

/** Every node records its offset in the template text, for "name:line:col" in errors. */
interface Base {
  pos: number;
}
export interface TextNode extends Base {
  t: N.Text;
  text: string;
}
export interface ListNode extends Base {
  t: N.List;
  nodes: Node[];
}
export interface ActionNode extends Base {
  t: N.Action;
  pipe: PipeNode;
}
export interface PipeNode extends Base {
  t: N.Pipe;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode extends Base {
  t: N.Command;
  args: Node[];
}
export interface FieldNode extends Base {
  t: N.Field;
  ident: string[];
}
export interface ChainNode extends Base {
  t: N.Chain;
  node: Node;
  field: string[];
}
export interface IdentifierNode extends Base {
  t: N.Identifier;
  ident: string;
}
export interface VariableNode extends Base {
  t: N.Variable;
  ident: string[];
}
export interface DotNode extends Base {
  t: N.Dot;
}
export interface NilNode extends Base {
  t: N.Nil;
}
export interface BoolNode extends Base {
  t: N.Bool;
  value: boolean;
}
export interface NumberNode extends Base {
  t: N.Number;
  text: string;
  num: NumberInfo;
}
export interface StringNode extends Base {
  t: N.String;
  quoted: string;
  text: string;
}
export interface BranchNode<K extends N.If | N.Range | N.With> extends Base {
  t: K;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export type IfNode = BranchNode<N.If>;
export type RangeNode = BranchNode<N.Range>;
export type WithNode = BranchNode<N.With>;
export interface TemplateNode extends Base {
  t: N.Template;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode extends Base {
  t: N.Break;
}
export interface ContinueNode extends Base {
  t: N.Continue;
}
export interface EndNode extends Base {
  t: N.End;
}
export interface ElseNode extends Base {
  t: N.Else;
}

export type Node =
  | TextNode
  | ListNode
  | ActionNode
  | PipeNode
  | CommandNode
  | FieldNode
  | ChainNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | EndNode
  | ElseNode;

function argString(n: Node): string {
  return n.t === N.Pipe ? `(${nodeString(n)})` : nodeString(n);
}

function branchString(name: string, n: BranchNode<N.If | N.Range | N.With>): string {
  const e = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
  return `{{${name} ${nodeString(n.pipe)}}}${nodeString(n.list)}${e}{{end}}`;
}

/** Go's Node.String() for every node kind. */
export function nodeString(n: Node): string {
  switch (n.t) {
    case N.Text:
      return n.text;
    case N.List:
      return n.nodes.map(nodeString).join('');
    case N.Action:
      return `{{${nodeString(n.pipe)}}}`;
    case N.Pipe: {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case N.Command:
      return n.args.map(argString).join(' ');
    case N.Field:
      return n.ident.map((id) => '.' + id).join('');
    case N.Chain:
      return argString(n.node) + n.field.map((f) => '.' + f).join('');
    case N.Identifier:
      return n.ident;
    case N.Variable:
      return n.ident.join('.');
    case N.Dot:
      return '.';
    case N.Nil:
      return 'nil';
    case N.Bool:
      return n.value ? 'true' : 'false';
    case N.Number:
      return n.text;
    case N.String:
      return n.quoted;
    case N.If:
      return branchString('if', n);
    case N.Range:
      return branchString('range', n);
    case N.With:
      return branchString('with', n);
    case N.Template:
      return n.pipe
        ? `{{template ${quote(n.name)} ${nodeString(n.pipe)}}}`
        : `{{template ${quote(n.name)}}}`;
    case N.Break:
      return '{{break}}';
    case N.Continue:
      return '{{continue}}';
    case N.End:
      return '{{end}}';
    case N.Else:
      return '{{else}}';
  }
}

/** parse.IsEmptyTree: only whitespace text (and nothing else) counts as empty. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  if (n.t === N.List) return n.nodes.every(isEmptyTree);
  if (n.t === N.Text) return n.text.trim() === '';
  return false;
}
