/**
 * The value printer of Go's `fmt` package (`fmt/print.go`): printArg/printValue over the Go
 * value model, including bad-verb notes like `%!d(string=x)`.
 */
import { GoFormatter } from './fmt-format';
import { compareGoStrings } from './compare-strings';
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
  return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
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
  badVerb(verb: string, arg: GoValue): void {
    const f = this.f;
    f.out += '%!' + verb + '(';
    if (arg === null || arg === undefined) {
      f.out += '<nil>';
    } else {
      f.out += goTypeName(arg) + '=';
      this.printArg(arg, 'v');
    }
    f.out += ')';
  }
}

