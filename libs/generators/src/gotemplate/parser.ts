/**
 * The text/template parser, a port of Go's `text/template/parse/parse.go` (Go 1.22+): the same
 * grammar, the same 3-token look-ahead and therefore the same error messages and line numbers.
 */
import {
  N,
  isEmptyTree,
  nodeString,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
  type VariableNode,
} from './ast';
import { T, type Item } from './lexer-items';
import { TokenReader, type Shared } from './parser-tokens';
import { parseNumber } from './literals';

/** Deep parenthesis nesting would overflow the JS stack; Go uses this limit on wasm too. */
const MAX_STACK_DEPTH = 1000;

export class TreeParser extends TokenReader {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private stackDepth = 0;
  root: ListNode | null = null;

  constructor(
    s: Shared,
    public name: string,
  ) {
    super(s);
  }

  /** Registers this tree, refusing a second non-empty definition of one name. */
  add(): void {
    const existing = this.s.treeSet.get(this.name);
    if (existing === undefined || isEmptyTree(existing)) {
      this.s.treeSet.set(this.name, this.root ?? { t: N.List, pos: 0, nodes: [] });
      return;
    }
    if (!isEmptyTree(this.root))
      this.errorf(`template: multiple definition of template ${JSON.stringify(this.name)}`);
  }

  /** Top level: text, actions and {{define}} blocks until EOF. */
  parse(): void {
    const root: ListNode = { t: N.List, pos: this.peek().pos, nodes: [] };
    this.root = root;
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === T.Define) {
          const def = new TreeParser(this.s, 'definition');
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.t === N.End || n.t === N.Else) this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const tok = this.nextNonSpace();
    if (tok.typ !== T.String && tok.typ !== T.RawString) this.unexpected(tok, context);
    this.name = this.unquote(tok);
    this.expect(T.RightDelim, context);
    const [list, end] = this.itemList();
    if (end.t !== N.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.root = list;
    this.add();
  }

  private itemList(): [ListNode, Node] {
    const list: ListNode = { t: N.List, pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.t === N.End || n.t === N.Else) return [list, n];
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const tok = this.nextNonSpace();
    if (tok.typ === T.Text) return { t: N.Text, pos: tok.pos, text: tok.val };
    if (tok.typ === T.LeftDelim) {
      this.actionLine = tok.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    return this.unexpected(tok, 'input');
  }

  private action(): Node {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case T.Block:
        return this.blockControl();
      case T.Break:
      case T.Continue: {
        const what = tok.typ === T.Break ? '{{break}}' : '{{continue}}';
        const next = this.nextNonSpace();
        if (next.typ !== T.RightDelim) this.unexpected(next, what);
        if (this.rangeDepth === 0) this.errorf(`${what} outside {{range}}`);
        return { t: tok.typ === T.Break ? N.Break : N.Continue, pos: tok.pos };
      }
      case T.Else:
        return this.elseControl();
      case T.End:
        return { t: N.End, pos: this.expect(T.RightDelim, 'end').pos };
      case T.If:
        return { t: N.If, ...this.parseControl('if') };
      case T.Range:
        return { t: N.Range, ...this.parseControl('range') };
      case T.Template:
        return this.templateControl();
      case T.With:
        return { t: N.With, ...this.parseControl('with') };
    }
    this.backup();
    const first = this.peek();
    // Variables declared by an action persist until the enclosing {{end}}.
    return { t: N.Action, pos: first.pos, pipe: this.pipeline('command', T.RightDelim) };
  }

  private pipeline(context: string, end: T): PipeNode {
    const pipe: PipeNode = {
      t: N.Pipe,
      pos: this.peekNonSpace().pos,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== T.Variable) break;
      this.next();
      // "$x foo" needs 3-token look-ahead to tell an argument from a declaration.
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === T.Assign || next.typ === T.Declare) {
        pipe.isAssign = next.typ === T.Assign;
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === T.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === T.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const tok = this.nextNonSpace();
      switch (tok.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(tok, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.t;
      if (t === N.Bool || t === N.Dot || t === N.Nil || t === N.Number || t === N.String) {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private parseControl(context: 'if' | 'range' | 'with'): Control {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.RightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, firstEnd] = this.itemList();
      let next = firstEnd;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.t === N.Else) {
        // "{{else if x}}" / "{{else with x}}" parse as "{{else}}{{if x}}...{{end}}{{end}}" with one end.
        const p = this.peek().typ;
        if ((context === 'if' && p === T.If) || (context === 'with' && p === T.With)) {
          this.next();
          elseList = {
            t: N.List,
            pos: next.pos,
            nodes: [{ t: context === 'if' ? N.If : N.With, ...this.parseControl(context) }],
          };
        } else {
          [elseList, next] = this.itemList();
          if (next.t !== N.End) this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === T.If || peek.typ === T.With) return { t: N.Else, pos: peek.pos };
    return { t: N.Else, pos: this.expect(T.RightDelim, 'else').pos };
  }

  private templateName(tok: Item, context: string): string {
    if (tok.typ !== T.String && tok.typ !== T.RawString) this.unexpected(tok, context);
    return this.unquote(tok);
  }

  private blockControl(): Node {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const block = new TreeParser(this.s, name);
    const [list, end] = block.itemList();
    if (end.t !== N.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.root = list;
    block.add();
    return { t: N.Template, pos: tok.pos, name, pipe };
  }

  private templateControl(): Node {
    const context = 'template clause';
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    return { t: N.Template, pos: tok.pos, name, pipe };
  }

  private command(): CommandNode {
    const cmd: CommandNode = { t: N.Command, pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const tok = this.next();
      if (tok.typ === T.Space) continue;
      if (tok.typ === T.RightDelim || tok.typ === T.RightParen) this.backup();
      else if (tok.typ !== T.Pipe) this.unexpected(tok, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (!node || this.peek().typ !== T.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === T.Field) fields.push(this.next().val.slice(1));
    switch (node.t) {
      case N.Field:
        return { t: N.Field, pos, ident: [...node.ident, ...fields] };
      case N.Variable:
        return { t: N.Variable, pos, ident: [...node.ident, ...fields] };
      case N.Bool:
      case N.String:
      case N.Number:
      case N.Nil:
      case N.Dot:
        return this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
    }
    return { t: N.Chain, pos, node, field: fields };
  }

  private term(): Node | null {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case T.Identifier:
        if (!this.s.hasFunction(tok.val))
          this.errorf(`function ${JSON.stringify(tok.val)} not defined`);
        return { t: N.Identifier, pos: tok.pos, ident: tok.val };
      case T.Dot:
        return { t: N.Dot, pos: tok.pos };
      case T.Nil:
        return { t: N.Nil, pos: tok.pos };
      case T.Variable: {
        const v = newVariable(tok.pos, tok.val);
        if (!this.vars.includes(v.ident[0]!))
          this.errorf(`undefined variable ${JSON.stringify(v.ident[0])}`);
        return v;
      }
      case T.Field:
        return { t: N.Field, pos: tok.pos, ident: tok.val.slice(1).split('.') };
      case T.Bool:
        return { t: N.Bool, pos: tok.pos, value: tok.val === 'true' };
      case T.Complex:
        // Go accepts complex constants; the Go value model has no complex type, so say so.
        return this.errorf(`complex constant ${tok.val} is not supported`);
      case T.CharConstant:
      case T.Number:
        try {
          return {
            t: N.Number,
            pos: tok.pos,
            text: tok.val,
            num: parseNumber(tok.val, tok.typ === T.CharConstant),
          };
        } catch (e) {
          return this.errorf((e as Error).message);
        }
      case T.LeftParen: {
        if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', T.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case T.String:
      case T.RawString:
        return { t: N.String, pos: tok.pos, quoted: tok.val, text: this.unquote(tok) };
    }
    this.backup();
    return null;
  }
}

/** The shared shape of if/range/with nodes, without their kind. */
interface Control {
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}

function newVariable(pos: number, ident: string): VariableNode {
  return { t: N.Variable, pos, ident: ident.split('.') };
}

/** Parses a template and its {{define}}/{{block}} templates into name → root list. */
export function parseTemplates(
  name: string,
  items: Item[],
  hasFunction: (name: string) => boolean,
): Map<string, ListNode> {
  const shared: Shared = { items, i: 0, parseName: name, hasFunction, treeSet: new Map() };
  const top = new TreeParser(shared, name);
  top.parse();
  top.add();
  return shared.treeSet;
}
