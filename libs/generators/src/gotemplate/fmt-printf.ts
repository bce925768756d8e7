/**
 * fmt.Sprintf's format-string interpreter (`doPrintf` in fmt/print.go): flags, width and
 * precision (including `*` and `[n]` argument indexes), and Go's inline error notes
 * (`%!v(MISSING)`, `%!(EXTRA ...)`, `%!(NOVERB)`, `%!(BADWIDTH)`, `%!(BADPREC)`, `%!v(BADINDEX)`).
 */
import { goTypeName, Printer } from './fmt-printer';
import type { GoValue } from './values';

const TOO_LARGE = 1e6;

/** Parses a decimal number at i; Go rejects widths and precisions above 1e6. */
function parseNum(s: string, i: number, end: number): { num: number; ok: boolean; i: number } {
  if (i >= end) return { num: 0, ok: false, i };
  let num = 0;
  let ok = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (num > TOO_LARGE) return { num: 0, ok: false, i: end };
    num = num * 10 + (c - 48);
    ok = true;
  }
  return { num, ok, i };
}

/** An argument used as `*` width or precision must be an int. */
function intFromArg(a: GoValue[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  if (argNum >= a.length) return { num: 0, isInt: false, argNum };
  const v = a[argNum];
  let num = 0;
  let isInt = false;
  if (typeof v === 'bigint') {
    isInt = v <= BigInt(TOO_LARGE) && v >= -BigInt(TOO_LARGE);
    num = isInt ? Number(v) : 0;
  }
  return { num, isInt, argNum: argNum + 1 };
}

/** fmt.Sprintf. */
export function goSprintf(format: string, a: GoValue[]): string {
  const p = new Printer();
  const f = p.f;
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  // Parses an explicit [n] argument index at i (1-based in the format, 0-based here).
  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (i >= end || format[i] !== '[') return { argNum, i, found: false };
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (end - i < 3 || close < 0) {
      goodArgNum = false;
      return { argNum, i: i + 1, found: false };
    }
    const n = parseNum(format, i + 1, close);
    if (!n.ok || n.i !== close) {
      goodArgNum = false;
      return { argNum, i: close + 1, found: false };
    }
    const index = n.num - 1;
    if (index >= 0 && index < a.length) return { argNum: index, i: close + 1, found: true };
    goodArgNum = false;
    return { argNum, i: close + 1, found: true };
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) f.out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    f.clearFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus; // zero padding only to the left
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    afterIndex = r.found;

    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(a, argNum);
      f.wid = w.num;
      f.widPresent = w.isInt;
      argNum = w.argNum;
      if (!f.widPresent) f.out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parseNum(format, i, end);
      f.wid = n.num;
      f.widPresent = n.ok;
      i = n.i;
      if (afterIndex && f.widPresent) goodArgNum = false; // "%[3]2d"
    }

    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false; // "%[3].2d"
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(a, argNum);
        f.prec = w.num;
        f.precPresent = w.isInt;
        argNum = w.argNum;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!f.precPresent) f.out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parseNum(format, i, end);
        f.prec = n.ok ? n.num : 0;
        f.precPresent = true;
        i = n.i;
      }
    }

    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }

    if (i >= end) {
      f.out += '%!(NOVERB)';
      break;
    }
    const cp = format.codePointAt(i) ?? 0;
    const verb = String.fromCodePoint(cp);
    i += verb.length;

    if (verb === '%') {
      f.out += '%'; // does not consume an operand; ignores width and precision
    } else if (!goodArgNum) {
      f.out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= a.length) {
      f.out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      p.printArg(a[argNum], verb);
      argNum++;
    }
  }

  if (!reordered && argNum < a.length) {
    f.clearFlags();
    f.out += '%!(EXTRA ';
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) f.out += ', ';
      if (arg === null || arg === undefined) {
        f.out += '<nil>';
      } else {
        f.out += goTypeName(arg) + '=';
        p.printArg(arg, 'v');
      }
    });
    f.out += ')';
  }
  return f.out;
}
