import { DomainError } from '../domain-error';
import { compileLabelSelector, type LabelSelector } from './label-selector';

/**
 * The string form of label selectors, as apimachinery's `labels.Parse` reads it:
 * `env=prod,tier in (a,b),tier notin (c),!canary,gpu,region!=eu`. Tokens and error messages
 * follow apimachinery's lexer and parser (including its quirks: `in ()` is the set {""}, `a=`
 * is the empty value); `>` and `<` parse but are refused, since `metav1.LabelSelector` (what a
 * tenant stores) cannot hold them.
 */

type TokenKind =
  'id' | 'end' | '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '>' | '<' | 'in' | 'notin';
interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.has(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      const kind = two === '!=' || two === '==' ? two : (c as TokenKind);
      tokens.push({ kind, text: kind });
      i += kind.length;
    } else {
      let j = i;
      while (
        j < text.length &&
        !WHITESPACE.has(text[j] as string) &&
        !SPECIAL.has(text[j] as string)
      )
        j++;
      const word = text.slice(i, j);
      tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'id', text: word });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class SelectorParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  // In value positions apimachinery reads `in`/`notin` as plain identifiers.
  private peek(): Token {
    const t = this.tokens[this.pos] as Token;
    return t.kind === 'in' || t.kind === 'notin' ? { kind: 'id', text: t.text } : t;
  }
  private next(values = true): Token {
    const t = this.tokens[Math.min(this.pos++, this.tokens.length - 1)] as Token;
    return values && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'id', text: t.text } : t;
  }

  parse(out: Required<LabelSelector>): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return;
      if (t.kind !== 'id' && t.kind !== '!') {
        throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      this.requirement(out);
      const sep = this.next();
      if (sep.kind === 'end') return;
      if (sep.kind !== ',')
        throw new Error(`found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'id' && after.kind !== '!') {
        throw new Error(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(out: Required<LabelSelector>): void {
    let negated = false;
    let t = this.next();
    if (t.kind === '!') {
      negated = true;
      t = this.next();
    }
    if (t.kind !== 'id')
      throw new Error(`unable to parse requirement: found '${t.text}', expected: identifier`);
    const key = t.text;
    const ahead = this.peek().kind;
    if (negated || ahead === 'end' || ahead === ',') {
      out.matchExpressions.push({ key, operator: negated ? 'DoesNotExist' : 'Exists' });
      return;
    }
    const op = this.next(false);
    switch (op.kind) {
      case 'in':
      case 'notin':
        out.matchExpressions.push({
          key,
          operator: op.kind === 'in' ? 'In' : 'NotIn',
          values: this.values(),
        });
        return;
      case '=':
      case '==':
      case '!=': {
        const value = this.exactValue();
        if (op.kind === '!=')
          out.matchExpressions.push({ key, operator: 'NotIn', values: [value] });
        else if (key in out.matchLabels)
          out.matchExpressions.push({ key, operator: 'In', values: [value] });
        else out.matchLabels[key] = value;
        return;
      }
      case '>':
      case '<':
        throw new Error(
          `unable to parse requirement: operator '${op.kind}' is not supported in a label selector (use In, NotIn, Exists or DoesNotExist)`,
        );
      default:
        throw new Error(
          `unable to parse requirement: found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`,
        );
    }
  }

  private exactValue(): string {
    const ahead = this.peek();
    if (ahead.kind === 'end' || ahead.kind === ',') return '';
    const t = this.next();
    if (t.kind !== 'id')
      throw new Error(`unable to parse requirement: found '${t.text}', expected: identifier`);
    return t.text;
  }

  private values(): string[] {
    const open = this.next();
    if (open.kind !== '(')
      throw new Error(`unable to parse requirement: found '${open.text}' expected: '('`);
    const ahead = this.peek();
    if (ahead.kind === ')') {
      this.next();
      return [''];
    }
    if (ahead.kind !== 'id' && ahead.kind !== ',') {
      throw new Error(
        `unable to parse requirement: found '${ahead.text}', expected: ',', ')' or identifier`,
      );
    }
    const values = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.kind === 'id') {
        values.add(t.text);
        const after = this.peek();
        if (after.kind === ')') break;
        if (after.kind !== ',')
          throw new Error(
            `unable to parse requirement: found '${after.text}', expected: ',' or ')'`,
          );
      } else if (t.kind === ',') {
        // apimachinery reads `(,a`, `a,)` and `a,,b` as holding the empty value.
        if (values.size === 0) values.add('');
        const after = this.peek();
        if (after.kind === ')') {
          values.add('');
          break;
        }
        if (after.kind === ',') {
          this.next();
          values.add('');
        }
      } else {
        throw new Error(
          `unable to parse requirement: found '${t.text}', expected: ',', or identifier`,
        );
      }
    }
    this.next(); // the `)`
    return [...values].sort();
  }
}

/**
 * Parses the Kubernetes string syntax (`env=prod,tier in (a,b),!canary`) into a
 * `{matchLabels, matchExpressions}` selector, validated like {@link compileLabelSelector}.
 * Errors are `DomainError('BAD_USER_INPUT')` naming `field`.
 */
export function parseLabelSelector(text: string, field = 'selector'): LabelSelector {
  const out: Required<LabelSelector> = { matchLabels: {}, matchExpressions: [] };
  try {
    new SelectorParser(tokenize(text)).parse(out);
  } catch (err) {
    if (!(err instanceof Error) || err instanceof DomainError) throw err;
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}: invalid label selector ${JSON.stringify(text)}: ${err.message}`,
      field,
    );
  }
  const selector: LabelSelector = {};
  if (Object.keys(out.matchLabels).length > 0) selector.matchLabels = out.matchLabels;
  if (out.matchExpressions.length > 0) selector.matchExpressions = out.matchExpressions;
  try {
    compileLabelSelector(selector, { field: 'selector' }); // key and value rules
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    // The string has no matchExpressions[i] to point at: name the field, quote the detail.
    const detail = err.message.slice(err.message.indexOf(': ') + 2);
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field}: invalid label selector ${JSON.stringify(text)}: ${detail}`,
      field,
    );
  }
  return selector;
}
