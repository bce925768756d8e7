/**
 * Go compares strings byte-wise (UTF-8), which is code-point order. JavaScript's `<` compares
 * UTF-16 code units, which disagrees for astral characters against U+E000..U+FFFF; map keys
 * must sort the Go way because `range` and `fmt` print maps in key order.
 */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (D800-DFFF) encodes a code point above FFFF, so it sorts after E000-FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs && !ys && y >= 0xe000) return 1;
    if (ys && !xs && x >= 0xe000) return -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
