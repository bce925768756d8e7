/**
 * Kubernetes resource quantities (`resource.Quantity`): a decimal number with an optional suffix,
 * binary (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`), decimal (`n`, `u`, `m`, ``, `k`, `M`, `G`, `T`, `P`,
 * `E`) or a decimal exponent (`1e3`, `5E-2`). Returned as an exact-enough number of base units.
 */
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;

/** The value of a quantity in base units (cores for CPU, bytes for memory). Throws on bad syntax. */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text);
  if (!match) throw new Error(`"${text}" is not a Kubernetes quantity`);
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return number * BINARY[suffix]!;
  // `E` alone is exa (decimal SI); `e`/`E` followed by digits is an exponent.
  if (/^[eE][+-]?\d/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  return number * DECIMAL[suffix]!;
}

/** CPU quantity in millicores, rounded up as Kubernetes does (`100u` is 1m). */
export function cpuMillicores(text: string): number {
  return Math.ceil(Math.round(parseQuantity(text) * 1e9) / 1e6);
}

/** Memory (or any byte) quantity in bytes, rounded up. */
export function bytes(text: string): number {
  return Math.ceil(parseQuantity(text));
}
