/**
 * The value printer of Go's `fmt` package (`fmt/print.go`): printArg/printValue over the Go
 * value model, including bad-verb notes like `%!d(string=x)`.
 */
import { GoFormatter } from './fmt-format';
import { compareGoStrings } from './compare-strings';
import { elemTypeName, goObjectOf, type GoObjectField, type GoObjectInfo } from './go-object';
import type { GoMap, GoValue } from './values';

/** The Go type name of a value, as `%T` and error messages print it. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'function':
      return 'func(...interface {}) interface {}';
  }
  if (Array.isArray(v)) return '[]interface {}';
  return goObjectOf(v)?.typeName ?? 'map[string]interface {}';
}

/** Sorted keys of a Go map (Go sorts string keys by bytes, i.e. by code point). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareGoStrings);
}

/** One Sprint/Sprintf call's printer (fmt/print.go's pp). */
export class Printer {
  readonly f = new GoFormatter();

  printArg(arg: GoValue, verb: string): void {
    if (arg === null || arg === undefined) {
      if (verb === 'T' || verb === 'v') this.f.padString('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.f.fmtS(goTypeName(arg));
      return;
    }
    this.printValue(arg, verb, 0);
  }

  printValue(v: GoValue, verb: string, depth: number): void {
    const f = this.f;
    if (v === null || v === undefined) {
      // A nil element inside a slice or map is a nil interface{}.
      this.f.out += f.sharpV ? 'interface {}(nil)' : '<nil>';
      return;
    }
    switch (typeof v) {
      case 'boolean':
        if (verb === 't' || verb === 'v') f.fmtBoolean(v);
        else this.badVerb(verb, v);
        return;
      case 'bigint':
        return this.fmtInteger(v, verb);
      case 'number':
        return this.fmtFloat(v, verb);
      case 'string':
        return this.fmtString(v, verb);
      case 'function':
        this.badVerb(verb, v);
        return;
    }
    const obj = goObjectOf(v);
    if (obj !== undefined) return this.printObject(v, obj, verb);
    if (Array.isArray(v)) {
      if (f.sharpV) {
        f.out += '[]interface {}{';
        v.forEach((e, i) => {
          if (i > 0) f.out += ', ';
          this.printValue(e, verb, depth + 1);
        });
        f.out += '}';
        return;
      }
      f.out += '[';
      v.forEach((e, i) => {
        if (i > 0) f.out += ' ';
        this.printValue(e, verb, depth + 1);
      });
      f.out += ']';
      return;
    }
    f.out += f.sharpV ? 'map[string]interface {}{' : 'map[';
    sortedKeys(v).forEach((k, i) => {
      if (i > 0) f.out += f.sharpV ? ', ' : ' ';
      this.printValue(k, verb, depth + 1);
      f.out += ':';
      this.printValue(v[k], verb, depth + 1);
    });
    f.out += f.sharpV ? '}' : ']';
  }

  /**
   * A Go struct value (time.Time, *semver.Version): handleMethods first (GoString for `%#v`,
   * String for `%v %s %x %X %q`), otherwise the struct's fields as printValue prints them:
   * `{f1 f2}`, `&{...}` for a pointer, `semver.Version{major:0x1, ...}` under `%#v`.
   * Go prints a pointer nested inside a slice or map as its address; here it prints as `&{...}`.
   */
  private printObject(v: GoValue, obj: GoObjectInfo, verb: string): void {
    const f = this.f;
    if (f.sharpV) {
      if (obj.goString !== undefined) return f.fmtS(obj.goString());
    } else if (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q') {
      return this.fmtString(obj.string(), verb);
    }
    // %p would print a pointer's address, which has no equivalent here; a struct is a bad verb in Go too.
    if (verb === 'p') return this.badVerb(verb, v);
    if (obj.kind === 'ptr') f.out += '&';
    if (f.sharpV) f.out += elemTypeName(obj);
    f.out += '{';
    (obj.fields?.() ?? []).forEach((field, i) => {
      if (i > 0) f.out += f.sharpV ? ', ' : ' ';
      if (f.plusV || f.sharpV) f.out += field.name + ':';
      this.printField(field, verb);
    });
    f.out += '}';
  }

  /** One (unexported) struct field: printValue of a uint64, int64, string or pointer. */
  private printField(field: GoObjectField, verb: string): void {
    const f = this.f;
    if ('pointer' in field) {
      const u = field.pointer;
      switch (verb) {
        case 'v':
          if (f.sharpV) {
            f.out += `(${field.type})(`;
            if (u === 0n) f.out += 'nil';
            else this.fmt0x64(u, true);
            f.out += ')';
          } else if (u === 0n) {
            f.padString('<nil>');
          } else {
            this.fmt0x64(u, !f.sharp);
          }
          return;
        case 'p':
          return this.fmt0x64(u, !f.sharp);
        case 'b':
        case 'o':
        case 'd':
        case 'x':
        case 'X':
          return this.fmtInteger(u, verb);
      }
      f.out += `%!${verb}(${field.type}=`;
      if (u === 0n) f.out += '<nil>';
      else this.fmt0x64(u, true);
      f.out += ')';
      return;
    }
    if (field.type === 'string') return this.fmtString(field.value, verb);
    if (verb === 'v') {
      // %#v shows unsigned integers in hex (fmt0x64), signed ones in decimal.
      if (f.sharpV && field.type === 'uint64') return this.fmt0x64(field.value, true);
      return f.fmtInteger(field.value, 10, verb);
    }
    if ('dboOxXcqU'.includes(verb)) return this.fmtInteger(field.value, verb);
    this.badVerb(verb, field.value, field.type);
  }

  /** fmt0x64: hexadecimal, with a 0x prefix when leading0x. */
  private fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.f.sharp;
    this.f.sharp = leading0x;
    this.f.fmtInteger(v, 16, 'v');
    this.f.sharp = sharp;
  }

  private fmtInteger(v: bigint, verb: string): void {
    const f = this.f;
    switch (verb) {
      case 'v':
      case 'd':
        return f.fmtInteger(v, 10, verb);
      case 'b':
        return f.fmtInteger(v, 2, verb);
      case 'o':
      case 'O':
        return f.fmtInteger(v, 8, verb);
      case 'x':
        return f.fmtInteger(v, 16, verb);
      case 'X':
        return f.fmtInteger(v, 16, verb, true);
      case 'c':
        return f.fmtC(v);
      case 'q':
        return f.fmtQc(v);
      case 'U':
        return f.fmtUnicode(v);
    }
    this.badVerb(verb, v);
  }

  private fmtFloat(v: number, verb: string): void {
    const f = this.f;
    switch (verb) {
      case 'v':
        return f.fmtFloat(v, 'g', -1);
      case 'g':
      case 'G':
        return f.fmtFloat(v, f.sharpV ? 'g' : verb, -1);
      case 'f':
      case 'F':
        return f.fmtFloat(v, 'f', 6);
      case 'e':
      case 'E':
        return f.fmtFloat(v, verb, 6);
      case 'b':
      case 'x':
      case 'X':
        // Binary and hexadecimal float layouts are not used by templates; say so plainly.
        throw new Error(`fmt: %${verb} of float64 is not supported`);
    }
    this.badVerb(verb, v);
  }

  private fmtString(v: string, verb: string): void {
    const f = this.f;
    switch (verb) {
      case 'v':
        if (f.sharpV) f.fmtQ(v);
        else f.fmtS(v);
        return;
      case 's':
        return f.fmtS(v);
      case 'x':
        return f.fmtSx(v, false);
      case 'X':
        return f.fmtSx(v, true);
      case 'q':
        return f.fmtQ(v);
    }
    this.badVerb(verb, v);
  }

  /** `%!verb(type=value)`, printed with the current flags cleared as far as sharp goes. */
  badVerb(verb: string, arg: GoValue, typeName: string = goTypeName(arg)): void {
    const f = this.f;
    f.out += '%!' + verb + '(';
    if (arg === null || arg === undefined) {
      f.out += '<nil>';
    } else {
      f.out += typeName + '=';
      this.printArg(arg, 'v');
    }
    f.out += ')';
  }
}
