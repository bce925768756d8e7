/**
 * The parser's token stream (Go's Tree.next/backup/peek with 3-token look-ahead) and its
 * error reporting; `template: NAME:LINE:` uses the line of the last token read, as in Go.
 */
import { GoTemplateError } from './errors';
import { T, itemString, type Item } from './lexer-items';
import { unquote } from './literals';
import type { ListNode } from './ast';

/** Shared between a template and the define/block bodies parsed from the same text. */
export interface Shared {
  items: Item[];
  i: number;
  parseName: string;
  hasFunction: (name: string) => boolean;
  treeSet: Map<string, ListNode>;
}

export class TokenReader {
  protected readonly token: Item[] = [];
  protected peekCount = 0;
  protected actionLine = 0;

  constructor(protected readonly s: Shared) {}

  protected next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.s.items[Math.min(this.s.i++, this.s.items.length - 1)]!;
    return this.token[this.peekCount]!;
  }
  protected backup(): void {
    this.peekCount++;
  }
  protected backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  protected backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  protected peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.s.items[Math.min(this.s.i++, this.s.items.length - 1)]!;
    return this.token[0];
  }
  protected nextNonSpace(): Item {
    let tok: Item;
    do tok = this.next();
    while (tok.typ === T.Space);
    return tok;
  }
  protected peekNonSpace(): Item {
    const tok = this.nextNonSpace();
    this.backup();
    return tok;
  }

  protected errorf(msg: string): never {
    throw new GoTemplateError(`template: ${this.s.parseName}:${this.token[0]?.line ?? 1}: ${msg}`);
  }
  protected expect(typ: T, context: string): Item {
    const tok = this.nextNonSpace();
    if (tok.typ !== typ) this.unexpected(tok, context);
    return tok;
  }
  protected unexpected(tok: Item, context: string): never {
    if (tok.typ === T.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== tok.line) {
        extra = ` in action started at ${this.s.parseName}:${this.actionLine}`;
        if (tok.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(itemString(tok) + extra);
    }
    this.errorf(`unexpected ${itemString(tok)} in ${context}`);
  }
  protected unquote(tok: Item): string {
    try {
      return unquote(tok.val);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }
}
