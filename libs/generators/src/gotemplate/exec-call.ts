/**
 * Command, field and function evaluation (Go's evalCommand/evalField/evalCall/evalArg/
 * validateType). Function arguments follow the callee's Go signature: untyped constants take
 * the parameter's type, a value of the wrong type is rejected with Go's message, and a
 * function without a `goSignature` receives `...interface{}`.
 */
import {
  N,
  nodeString,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type VariableNode,
} from './ast';
import { BUILTINS, type ArgType, type Builtin } from './builtins';
import { goTypeName } from './fmt';
import { goObjectOf, type GoObjectInfo } from './go-object';
import { quote } from './strconv';
import { assignable, canBeNil, TYPE_NAMES } from './arg-types';
import { isGoMap, isTrue } from './truth';
import type { GoSignedFunction, GoValue } from './values';

/** Marks "no value piped in" (Go's missingVal), distinct from every Go value. */
export const MISSING: unique symbol = Symbol('missing');
export type Final = typeof MISSING;

/** What evaluation needs from the executor (implemented by ExecState). */
export interface Evaluator {
  node: Node | null;
  readonly prog: { funcs: Record<string, GoSignedFunction>; missingKey: string };
  errorf(msg: string, cause?: unknown): never;
  evalPipeline(dot: GoValue, iface: boolean, pipe: PipeNode): GoValue;
  variable(name: string): [GoValue, boolean];
}

function notAFunction(s: Evaluator, args: Node[] | null, final: GoValue | Final): void {
  if ((args !== null && args.length > 1) || final !== MISSING) {
    s.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
  }
}

export function evalCommand(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  cmd: CommandNode,
  final: GoValue | Final,
): GoValue {
  const first = cmd.args[0]!;
  switch (first.t) {
    case N.Field:
      return evalFieldNode(s, dot, iface, first, cmd.args, final);
    case N.Chain:
      return evalChainNode(s, dot, iface, first, cmd.args, final);
    case N.Identifier:
      return evalFunction(s, dot, iface, first, cmd, cmd.args, final);
    case N.Pipe:
      notAFunction(s, cmd.args, final);
      return s.evalPipeline(dot, iface, first);
    case N.Variable:
      return evalVariableNode(s, dot, iface, first, cmd.args, final);
  }
  s.node = first;
  notAFunction(s, cmd.args, final);
  switch (first.t) {
    case N.Bool:
      return first.value;
    case N.Dot:
      return dot;
    case N.Nil:
      return s.errorf('nil is not a command');
    case N.Number:
      return idealConstant(s, first);
    case N.String:
      return first.text;
  }
  return s.errorf(`can't evaluate command ${quote(nodeString(first))}`);
}

/** An untyped constant with no parameter type to guide it: int, unless it is spelled as a float. */
function idealConstant(s: Evaluator, n: NumberNode): GoValue {
  s.node = n;
  const t = n.text;
  const hexInt = t.length > 2 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X') && !/[pP]/.test(t);
  if (n.num.isFloat && !hexInt && t[0] !== "'" && /[.eEpP]/.test(t)) return n.num.float;
  if (n.num.isInt) return n.num.int;
  if (n.num.isUint) s.errorf(`${t} overflows int`);
  return undefined;
}

function evalFieldNode(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  f: FieldNode,
  args: Node[] | null,
  final: GoValue | Final,
): GoValue {
  s.node = f;
  return evalFieldChain(s, dot, iface, dot, iface, f, f.ident, args, final);
}

function evalChainNode(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  c: ChainNode,
  args: Node[] | null,
  final: GoValue | Final,
): GoValue {
  s.node = c;
  if (c.node.t === N.Nil) s.errorf(`indirection through explicit nil in ${nodeString(c)}`);
  const pipe = evalArg(s, dot, iface, null, c.node);
  return evalFieldChain(s, dot, iface, pipe, false, c, c.field, args, final);
}

function evalVariableNode(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  v: VariableNode,
  args: Node[] | null,
  final: GoValue | Final,
): GoValue {
  s.node = v;
  const [value, viface] = s.variable(v.ident[0]!);
  if (v.ident.length === 1) {
    notAFunction(s, args, final);
    return value;
  }
  return evalFieldChain(s, dot, iface, value, viface, v, v.ident.slice(1), args, final);
}

function evalFieldChain(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  receiver: GoValue,
  recIface: boolean,
  node: Node,
  ident: string[],
  args: Node[] | null,
  final: GoValue | Final,
): GoValue {
  const n = ident.length;
  for (let i = 0; i < n - 1; i++) {
    // A map element has static type interface{}; a method's result has its concrete type.
    const isMethod = goObjectOf(receiver) !== undefined;
    receiver = evalField(s, dot, iface, ident[i]!, node, null, MISSING, receiver, recIface);
    recIface = !isMethod;
  }
  return evalField(s, dot, iface, ident[n - 1]!, node, args, final, receiver, recIface);
}

/**
 * `.Name` on a receiver: a method call on a Go struct value (time.Time, *semver.Version), a
 * map lookup honouring missingkey, or Go's error for anything else.
 */
function evalField(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  name: string,
  node: Node,
  args: Node[] | null,
  final: GoValue | Final,
  receiver: GoValue,
  recIface: boolean,
): GoValue {
  if (receiver === undefined) {
    if (s.prog.missingKey === 'error') s.errorf(`nil data; no entry for key ${quote(name)}`);
    return undefined;
  }
  const typ = recIface || receiver === null ? 'interface {}' : goTypeName(receiver);
  if (receiver === null) s.errorf(`nil pointer evaluating ${typ}.${name}`);
  if (isGoMap(receiver)) {
    if ((args !== null && args.length > 1) || final !== MISSING)
      s.errorf(`${name} is not a method but has arguments`);
    // Fast path: a defined own value. Prototype members (functions, __proto__) need hasOwn.
    const v = receiver[name];
    if (v !== undefined && typeof v !== 'function' && name !== '__proto__') return v;
    if (Object.hasOwn(receiver, name)) return receiver[name] ?? null;
    switch (s.prog.missingKey) {
      case 'zero':
        return null; // the zero value of interface{}
      case 'error':
        return s.errorf(`map has no entry for key ${quote(name)}`);
    }
    return undefined;
  }
  const obj = goObjectOf(receiver);
  if (obj !== undefined) return evalMethod(s, dot, iface, obj, name, node, args, final, typ);
  return s.errorf(`can't evaluate field ${name} in type ${typ}`);
}

/** A method of a Go struct value, called with the command's arguments checked against its signature. */
function evalMethod(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  obj: GoObjectInfo,
  name: string,
  node: Node,
  args: Node[] | null,
  final: GoValue | Final,
  typ: string,
): GoValue {
  const method = Object.hasOwn(obj.methods, name)
    ? (obj.methods[name] as GoSignedFunction)
    : undefined;
  if (method !== undefined) {
    const sig = method.goSignature;
    const spec: Builtin = sig
      ? { params: sig.params, variadic: sig.variadic, fn: method }
      : { params: [], variadic: 'interface', fn: method };
    return evalCall(s, dot, iface, spec, false, node, name, args, final);
  }
  // Struct fields are all unexported (time.Time's wall, semver.Version's major...).
  if (obj.fields?.().some((f) => f.name === name))
    s.errorf(`${name} is an unexported field of struct type ${typ}`);
  return s.errorf(`can't evaluate field ${name} in type ${typ}`);
}

function evalFunction(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  node: IdentifierNode,
  cmd: Node,
  args: Node[] | null,
  final: GoValue | Final,
): GoValue {
  s.node = node;
  const name = node.ident;
  const user = s.prog.funcs[name];
  if (user !== undefined) {
    const sig = user.goSignature;
    const spec: Builtin = sig
      ? { params: sig.params, variadic: sig.variadic, fn: user }
      : { params: [], variadic: 'interface', fn: user };
    return evalCall(s, dot, iface, spec, false, cmd, name, args, final);
  }
  const builtin = BUILTINS[name];
  if (builtin === undefined) return s.errorf(`${quote(name)} is not a defined function`);
  return evalCall(s, dot, iface, builtin, true, cmd, name, args, final);
}

function evalCall(
  s: Evaluator,
  dot: GoValue,
  iface: boolean,
  spec: Builtin,
  isBuiltin: boolean,
  node: Node,
  name: string,
  allArgs: Node[] | null,
  final: GoValue | Final,
): GoValue {
  const args = allArgs === null ? [] : allArgs.slice(1);
  const numIn = args.length + (final !== MISSING ? 1 : 0);
  const numFixed = spec.variadic !== undefined ? spec.params.length : args.length;
  if (spec.variadic !== undefined) {
    if (numIn < numFixed)
      s.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
  } else if (numIn !== spec.params.length) {
    s.errorf(`wrong number of args for ${name}: want ${spec.params.length} got ${numIn}`);
  }
  if (isBuiltin && (name === 'and' || name === 'or')) {
    // and/or short-circuit: they return the first deciding argument without evaluating the rest.
    let v: GoValue = undefined;
    for (const a of args) {
      v = evalArg(s, dot, iface, 'reflect', a);
      if (isTrue(v) === (name === 'or')) return v;
    }
    if (final !== MISSING) v = validateType(s, final, 'reflect');
    return v;
  }
  const argv: GoValue[] = [];
  let i = 0;
  for (; i < numFixed && i < args.length; i++)
    argv.push(evalArg(s, dot, iface, spec.params[i]!, args[i]!));
  if (spec.variadic !== undefined)
    for (; i < args.length; i++) argv.push(evalArg(s, dot, iface, spec.variadic, args[i]!));
  if (final !== MISSING) {
    let t: ArgType = spec.params[spec.params.length - 1] ?? 'interface';
    if (spec.variadic !== undefined)
      t = numIn - 1 < numFixed ? spec.params[numIn - 1]! : spec.variadic;
    argv.push(validateType(s, final, t));
  }
  if (isBuiltin && name === 'call') {
    // Go passes the callee's source text to `call` for its error messages.
    argv.unshift(
      args.length > 0 ? nodeString(args[0]!) : `<${goTypeName(final as GoValue)} Value>`,
    );
  }
  let result: GoValue;
  try {
    result = spec.fn(...argv);
  } catch (e) {
    s.node = node;
    return s.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  // A JS function that returns nothing returned Go's nil; builtins may return invalid values.
  return result === undefined && !isBuiltin ? null : result;
}

/** Checks that a computed value can be passed as a parameter of type t (Go's validateType). */
function validateType(s: Evaluator, v: GoValue, t: ArgType | null): GoValue {
  if (v === undefined) {
    if (t === null || t === 'reflect') return undefined;
    if (canBeNil(t)) return null;
    return s.errorf(`invalid value; expected ${TYPE_NAMES[t]}`);
  }
  if (t === null || t === 'reflect' || t === 'interface') return v;
  if (v === null)
    return s.errorf(`wrong type for value; expected ${TYPE_NAMES[t]}; got interface {}`);
  if (!assignable(v, t))
    s.errorf(`wrong type for value; expected ${TYPE_NAMES[t]}; got ${goTypeName(v)}`);
  return v;
}

/** Evaluates one argument for a parameter of type t; t null means "no type" (a chain's head). */
function evalArg(s: Evaluator, dot: GoValue, iface: boolean, t: ArgType | null, n: Node): GoValue {
  s.node = n;
  switch (n.t) {
    case N.Dot:
      return validateType(s, dot, t);
    case N.Nil:
      if (t === null || canBeNil(t)) return t === 'reflect' || t === null ? undefined : null;
      return s.errorf(`cannot assign nil to ${TYPE_NAMES[t]}`);
    case N.Field:
      return validateType(s, evalFieldNode(s, dot, iface, n, [n], MISSING), t);
    case N.Variable:
      return validateType(s, evalVariableNode(s, dot, iface, n, null, MISSING), t);
    case N.Pipe:
      return validateType(s, s.evalPipeline(dot, iface, n), t);
    case N.Identifier:
      return validateType(s, evalFunction(s, dot, iface, n, n, null, MISSING), t);
    case N.Chain:
      return validateType(s, evalChainNode(s, dot, iface, n, null, MISSING), t);
  }
  const found = nodeString(n);
  switch (t) {
    case 'bool':
      if (n.t === N.Bool) return n.value;
      return s.errorf(`expected bool; found ${found}`);
    case 'float64':
      if (n.t === N.Number && n.num.isFloat) return n.num.float;
      return s.errorf(`expected float; found ${found}`);
    case 'int':
    case 'int64':
      if (n.t === N.Number && n.num.isInt) return n.num.int;
      return s.errorf(`expected integer; found ${found}`);
    case 'uint':
      if (n.t === N.Number && n.num.isUint) return n.num.uint;
      return s.errorf(`expected unsigned integer; found ${found}`);
    case 'string':
      if (n.t === N.String) return n.text;
      return s.errorf(`expected string; found ${found}`);
    case 'interface':
    case 'reflect':
    case null:
      if (n.t === N.Bool) return n.value;
      if (n.t === N.Number) return idealConstant(s, n);
      if (n.t === N.String) return n.text;
      return s.errorf(`can't handle assignment of ${found} to empty interface argument`);
  }
  return s.errorf(`can't handle ${found} for arg of type ${TYPE_NAMES[t]}`);
}
