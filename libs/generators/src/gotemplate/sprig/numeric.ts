/**
 * Sprig's integer and float math (numeric.go and the arithmetic entries of functions.go).
 * Integer results are Go int64 (bigint, wrapping on overflow); the `*f` functions go through
 * shopspring/decimal as Sprig does, so `addf 1.1 2.2` is 3.3 rather than 3.3000000000000003.
 */
import { signed, type GoTemplateFunction, type GoValue } from '../values';
import { formatV, parseGoInt, toFloat64, toInt64, wrapInt64 } from './cast';

/** An exact decimal: mantissa × 10^exponent. */
interface Decimal {
  m: bigint;
  e: number;
}

function decimalFromFloat(f: number): Decimal {
  if (Number.isNaN(f)) throw new Error('Cannot create a Decimal from NaN');
  if (!Number.isFinite(f))
    throw new Error(`Cannot create a Decimal from ${f > 0 ? '+Inf' : '-Inf'}`);
  // JavaScript prints the shortest round-tripping digits, as decimal.NewFromFloat does.
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(f));
  if (!match) throw new Error(`cannot convert ${f} to decimal`);
  const frac = match[3] ?? '';
  const m = BigInt(`${match[1]}${match[2]}${frac}`);
  return { m, e: Number(match[4] ?? 0) - frac.length };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.m * 10n ** BigInt(a.e - e), b.m * 10n ** BigInt(b.e - e), e];
}

const DIVISION_PRECISION = 16;

function decimalOp(op: 'add' | 'sub' | 'mul' | 'div', a: Decimal, b: Decimal): Decimal {
  if (op === 'mul') return { m: a.m * b.m, e: a.e + b.e };
  const [x, y, e] = align(a, b);
  if (op === 'add') return { m: x + y, e };
  if (op === 'sub') return { m: x - y, e };
  if (y === 0n) throw new Error('decimal division by 0');
  // DivRound(d2, 16): the quotient rounded half away from zero to 16 decimal places.
  const scaled = x * 10n ** BigInt(DIVISION_PRECISION + 1);
  let q = scaled / y;
  const negative = q < 0n;
  if (negative) q = -q;
  q = q / 10n + (q % 10n >= 5n ? 1n : 0n);
  return { m: negative ? -q : q, e: -DIVISION_PRECISION };
}

function decimalToFloat(d: Decimal): number {
  return Number(`${d.m}e${d.e}`);
}

/** Sprig's execDecimalOp: folds the operands with exact decimal arithmetic, returns float64. */
function execDecimalOp(first: GoValue, rest: GoValue[], op: 'add' | 'sub' | 'mul' | 'div'): number {
  let acc = decimalFromFloat(toFloat64(first));
  for (const x of rest) acc = decimalOp(op, acc, decimalFromFloat(toFloat64(x)));
  return decimalToFloat(acc);
}

/** Sprig's untilStep over Go ints. */
export function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const v: bigint[] = [];
  if (stop < start) {
    if (step >= 0n) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0n) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(...params: GoValue[]): string {
  const p = params as bigint[];
  const join = (xs: bigint[]): string => xs.join(' ');
  switch (p.length) {
    case 1: {
      const end = p[0] as bigint;
      const inc = end < 1n ? -1n : 1n;
      return join(untilStep(1n, end + inc, inc));
    }
    case 2: {
      const [start, end] = p as [bigint, bigint];
      const step = end < start ? -1n : 1n;
      return join(untilStep(start, end + step, step));
    }
    case 3: {
      const [start, step, end] = p as [bigint, bigint, bigint];
      let inc = 1n;
      if (end < start) {
        inc = -1n;
        if (step > 0n) return '';
      }
      return join(untilStep(start, end + inc, step));
    }
    default:
      return '';
  }
}

/** Sprig's round: half rounds towards +Inf by default (roundOn .5), on float64 like Go. */
function round(a: GoValue, p: GoValue, ...rOpt: GoValue[]): number {
  const roundOn = rOpt.length > 0 ? (rOpt[0] as number) : 0.5;
  const val = toFloat64(a);
  const pow = 10 ** Number(p as bigint);
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** strconv.Atoi, with the clamped value Go returns on overflow (Sprig drops the error). */
function atoi(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) return 0n;
  const n = BigInt(s);
  const max = (1n << 63n) - 1n;
  if (n > max) return max;
  if (n < -max - 1n) return -max - 1n;
  return n;
}

/** Sprig's toDecimal: ParseInt(fmt.Sprint(v), 8, 64), 0 on error. */
function toDecimal(v: GoValue): bigint {
  const s = typeof v === 'string' ? v : formatV(v);
  if (!/^[+-]?[0-7]+$/.test(s)) return 0n;
  return parseGoInt(s.replace(/^([+-]?)/, '$10o')) ?? 0n;
}

function divide(a: GoValue, b: GoValue, op: 'div' | 'mod'): bigint {
  const y = toInt64(b);
  if (y === 0n) throw new Error('runtime error: integer divide by zero');
  const x = toInt64(a);
  return wrapInt64(op === 'div' ? x / y : x % y);
}

/** Go's math.Max / math.Min (NaN wins; +0 beats -0 for Max). */
function goMax(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.max(a, b);
}
function goMin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.min(a, b);
}

/** The math functions, keyed by template name. */
export function numericFunctions(random: () => number): Record<string, GoTemplateFunction> {
  const max = (a: GoValue, ...rest: GoValue[]): bigint =>
    rest.reduce<bigint>((acc, x) => (toInt64(x) > acc ? toInt64(x) : acc), toInt64(a));
  const min = (a: GoValue, ...rest: GoValue[]): bigint =>
    rest.reduce<bigint>((acc, x) => (toInt64(x) < acc ? toInt64(x) : acc), toInt64(a));
  return {
    atoi: signed((s) => atoi(s as string), { params: ['string'] }),
    int64: (v) => toInt64(v),
    int: (v) => toInt64(v),
    float64: (v) => toFloat64(v),
    toDecimal,
    seq: signed(seq, { params: [], variadic: 'int' }),
    until: signed((c) => untilStep(0n, c as bigint, (c as bigint) < 0n ? -1n : 1n), {
      params: ['int'],
    }),
    untilStep: signed((a, b, c) => untilStep(a as bigint, b as bigint, c as bigint), {
      params: ['int', 'int', 'int'],
    }),
    add1: (i) => wrapInt64(toInt64(i) + 1n),
    add: (...xs) => xs.reduce<bigint>((acc, x) => wrapInt64(acc + toInt64(x)), 0n),
    sub: (a, b) => wrapInt64(toInt64(a) - toInt64(b)),
    div: (a, b) => divide(a, b, 'div'),
    mod: (a, b) => divide(a, b, 'mod'),
    mul: (a, ...xs) => xs.reduce<bigint>((acc, x) => wrapInt64(acc * toInt64(x)), toInt64(a)),
    randInt: signed(
      (lo, hi) => {
        const n = (hi as bigint) - (lo as bigint);
        if (n <= 0n) throw new Error('invalid argument to Intn');
        return BigInt(Math.floor(random() * Number(n))) + (lo as bigint);
      },
      { params: ['int', 'int'] },
    ),
    add1f: (i) => execDecimalOp(i, [1n], 'add'),
    addf: (...xs) => execDecimalOp(0, xs, 'add'),
    subf: (a, ...xs) => execDecimalOp(a, xs, 'sub'),
    divf: (a, ...xs) => execDecimalOp(a, xs, 'div'),
    mulf: (a, ...xs) => execDecimalOp(a, xs, 'mul'),
    biggest: max,
    max,
    min,
    maxf: (a, ...xs) => xs.reduce<number>((acc, x) => goMax(acc, toFloat64(x)), toFloat64(a)),
    minf: (a, ...xs) => xs.reduce<number>((acc, x) => goMin(acc, toFloat64(x)), toFloat64(a)),
    ceil: (a) => Math.ceil(toFloat64(a)),
    floor: (a) => Math.floor(toFloat64(a)),
    round: signed(round, { params: ['interface', 'int'], variadic: 'float64' }),
  };
}
