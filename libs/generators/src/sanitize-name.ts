const INVALID_DNS_NAME_CHARS = /[^-a-z0-9.]/g;
const MAX_DNS_NAME_LENGTH = 253;

/**
 * Argo CD's `SanitizeName` (the `nameNormalized` / `basenameNormalized` parameters): lower case,
 * every character outside `[-a-z0-9.]` becomes `-`, cut to 253 bytes, then `-` and `.` trimmed
 * from both ends.
 */
export function sanitizeName(name: string): string {
  let out = name.toLowerCase().replace(INVALID_DNS_NAME_CHARS, '-');
  // Go's strings.ToLower works on runes and the regexp replaces whole runes, so every remaining
  // character is ASCII and the byte cut equals the character cut.
  if (out.length > MAX_DNS_NAME_LENGTH) out = out.slice(0, MAX_DNS_NAME_LENGTH);
  return out.replace(/^[-.]+|[-.]+$/g, '');
}
