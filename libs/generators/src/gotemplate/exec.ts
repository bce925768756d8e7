/**
 * Template execution, a port of Go's `text/template/exec.go` over the Go value model.
 *
 * Go distinguishes a value whose static type is `interface{}` (a map entry, a slice element)
 * from a concrete one (the result of a pipeline, which "digs down one level"). It shows in
 * output and errors: `{{.x}}` with x = nil prints `<no value>`, `.x.y` through x = nil fails
 * with `nil pointer evaluating interface {}.y`, and a range element has type `interface {}` in
 * `can't evaluate field` messages. Here `null` is a nil interface, `undefined` an invalid
 * value, and an `iface` flag travels with dot, variables and field-chain receivers.
 */
import {
  N,
  nodeString,
  type ListNode,
  type Node,
  type PipeNode,
  type RangeNode,
  type TemplateNode,
} from './ast';
import { GoTemplateError } from './errors';
import { evalCommand, type Evaluator, MISSING, type Final } from './exec-call';
import { goFormatValue, goSprint, goTypeName, sortedKeys } from './fmt';
import { quote } from './strconv';
import { isTrue, isGoMap } from './truth';
import type { GoTemplateFunction, GoValue } from './values';

/** Walking a node ends normally, or by {{break}} / {{continue}} inside a range. */
const enum Flow {
  Normal,
  Break,
  Continue,
}

/** Deep {{template}} recursion would overflow the JS stack; Go uses this limit on wasm too. */
const MAX_EXEC_DEPTH = 1000;

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** What execution needs from the compiled template set. */
export interface Program {
  text: string;
  parseName: string;
  templates: Map<string, ListNode>;
  funcs: Record<string, GoTemplateFunction>;
  missingKey: MissingKey;
}

/** One execution's state; a compiled template creates a fresh one per execute call. */
export class ExecState implements Evaluator {
  out = '';
  node: Node | null = null;
  private names: string[] = [];
  private values: GoValue[] = [];
  private ifaces: boolean[] = [];
  private depth = 0;

  constructor(
    readonly prog: Program,
    private tmplName: string,
  ) {}

  run(root: ListNode, data: GoValue): string {
    // Execute(nil) makes dot an invalid value, not a nil interface.
    const dot = data === null ? undefined : data;
    this.push('$', dot, false);
    this.walkList(dot, false, root);
    return this.out;
  }

  at(node: Node): void {
    this.node = node;
  }

  /** Throws Go's ExecError text: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`. */
  errorf(msg: string, cause?: unknown): never {
    const name = this.tmplName;
    if (this.node === null) throw new GoTemplateError(`template: ${name}: ${msg}`, { cause });
    const text = this.prog.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(text.slice(nl + 1), 'utf8'); // Go counts bytes
    const loc = `${this.prog.parseName}:${line}:${col}`;
    throw new GoTemplateError(
      `template: ${loc}: executing ${quote(name)} at <${nodeString(this.node)}>: ${msg}`,
      {
        cause,
      },
    );
  }

  private push(name: string, value: GoValue, iface: boolean): void {
    this.names.push(name);
    this.values.push(value);
    this.ifaces.push(iface);
  }
  private pop(mark: number): void {
    this.names.length = mark;
    this.values.length = mark;
    this.ifaces.length = mark;
  }
  private find(name: string): number {
    for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) return i;
    return this.errorf(`undefined variable: ${name}`);
  }
  private setVar(name: string, value: GoValue, iface: boolean): void {
    const i = this.find(name);
    this.values[i] = value;
    this.ifaces[i] = iface;
  }
  private setTopVar(n: number, value: GoValue, iface: boolean): void {
    this.values[this.values.length - n] = value;
    this.ifaces[this.ifaces.length - n] = iface;
  }
  variable(name: string): [GoValue, boolean] {
    const i = this.find(name);
    return [this.values[i], this.ifaces[i] ?? false];
  }

  private walkList(dot: GoValue, iface: boolean, list: ListNode): Flow {
    for (const n of list.nodes) {
      const flow = this.walk(dot, iface, n);
      if (flow !== Flow.Normal) return flow;
    }
    return Flow.Normal;
  }

  private walk(dot: GoValue, iface: boolean, node: Node): Flow {
    this.node = node;
    switch (node.t) {
      case N.Text:
        this.out += node.text;
        return Flow.Normal;
      case N.Action: {
        // Declared variables persist until the enclosing {{end}}; declarations print nothing.
        const val = this.evalPipeline(dot, iface, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return Flow.Normal;
      }
      case N.If:
      case N.With: {
        const mark = this.names.length;
        const val = this.evalPipeline(dot, iface, node.pipe);
        let flow = Flow.Normal;
        if (isTrue(val)) {
          flow =
            node.t === N.With
              ? this.walkList(val, false, node.list)
              : this.walkList(dot, iface, node.list);
        } else if (node.elseList) {
          flow = this.walkList(dot, iface, node.elseList);
        }
        this.pop(mark);
        return flow;
      }
      case N.Range:
        return this.walkRange(dot, iface, node);
      case N.Template:
        this.walkTemplate(dot, iface, node);
        return Flow.Normal;
      case N.List:
        return this.walkList(dot, iface, node);
      case N.Break:
        return Flow.Break;
      case N.Continue:
        return Flow.Continue;
    }
    return this.errorf(`unknown node: ${nodeString(node)}`);
  }

  private printValue(node: Node, v: GoValue): void {
    this.node = node;
    if (typeof v === 'string') {
      this.out += v;
      return;
    }
    if (typeof v === 'function')
      this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    this.out += goFormatValue(v);
  }

  /** A {{break}} in the else list is absorbed by this range (as Go's recover does); a {{continue}} is not. */
  private walkRange(dot: GoValue, iface: boolean, r: RangeNode): Flow {
    this.node = r;
    const outer = this.names.length;
    const val = this.evalPipeline(dot, iface, r.pipe);
    const mark = this.names.length;
    const decl = r.pipe.decl;
    // Returns false to stop the loop ({{break}}).
    const one = (index: GoValue, elem: GoValue, elemIface: boolean): boolean => {
      if (decl.length > 0) {
        if (r.pipe.isAssign) {
          if (decl.length > 1) this.setVar(decl[0]!.ident[0]!, index, false);
          else this.setVar(decl[0]!.ident[0]!, elem, elemIface);
        } else {
          this.setTopVar(1, elem, elemIface);
        }
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem, elemIface);
        else this.setTopVar(2, index, false);
      }
      const flow = this.walkList(elem, elemIface, r.list);
      this.pop(mark);
      return flow !== Flow.Break;
    };
    let ran = false;
    if (Array.isArray(val)) {
      ran = val.length > 0;
      for (let i = 0; i < val.length; i++) if (!one(BigInt(i), val[i] ?? null, true)) break;
    } else if (isGoMap(val)) {
      const keys = sortedKeys(val);
      ran = keys.length > 0;
      for (const k of keys) if (!one(k, val[k] ?? null, true)) break;
    } else if (typeof val === 'bigint') {
      // Go 1.24 ranges over integers: 0..n-1, one variable only.
      if (decl.length > 1)
        this.errorf(`can't use ${goSprint(val)} to iterate over more than one variable`);
      ran = val > 0n;
      for (let i = 0n; i < val; i++) if (!one(undefined, i, false)) break;
    } else if (val !== undefined) {
      this.errorf(`range can't iterate over ${goSprint(val)}`);
    }
    let flow = Flow.Normal;
    if (!ran && r.elseList) flow = this.walkList(dot, iface, r.elseList);
    this.pop(outer);
    return flow === Flow.Continue ? flow : Flow.Normal;
  }

  private walkTemplate(dot: GoValue, iface: boolean, t: TemplateNode): void {
    this.node = t;
    const tree = this.prog.templates.get(t.name);
    if (tree === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH)
      this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    // Variables declared by the pipeline persist in the caller.
    const newDot = t.pipe ? this.evalPipeline(dot, iface, t.pipe) : undefined;
    const saved = [this.names, this.values, this.ifaces, this.tmplName] as const;
    // No dynamic scoping: the invoked template sees only $.
    this.names = [];
    this.values = [];
    this.ifaces = [];
    this.tmplName = t.name;
    this.depth++;
    this.push('$', newDot, false);
    try {
      this.walkList(newDot, false, tree);
    } finally {
      this.depth--;
      [this.names, this.values, this.ifaces, this.tmplName] = saved;
    }
  }

  /** Evaluates a pipeline; a nil interface result "digs down" to an invalid value, as in Go. */
  evalPipeline(dot: GoValue, iface: boolean, pipe: PipeNode): GoValue {
    this.node = pipe;
    let value: GoValue | Final = MISSING;
    for (const cmd of pipe.cmds) value = evalCommand(this, dot, iface, cmd, value);
    let v = value as GoValue;
    if (v === null) v = undefined;
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d.ident[0]!, v, false);
      else this.push(d.ident[0]!, v, false);
    }
    return v;
  }
}
