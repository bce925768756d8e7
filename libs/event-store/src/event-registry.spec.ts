import { z } from 'zod';
import { defineEvent, EventRegistry } from './event-registry';
import { EventSchemaError } from './types';

describe('EventRegistry', () => {
  const Renamed = defineEvent('Renamed', z.object({ name: z.string(), display: z.string() }), {
    version: 3,
    upcasters: {
      1: (v1) => ({ name: (v1 as { title: string }).title }),
      2: (v2) => ({
        ...(v2 as { name: string }),
        display: (v2 as { name: string }).name.toUpperCase(),
      }),
    },
  });
  const registry = new EventRegistry([Renamed]);

  it.each([
    [1, { title: 'a' }, { name: 'a', display: 'A' }],
    [2, { name: 'b' }, { name: 'b', display: 'B' }],
    [3, { name: 'c', display: 'see' }, { name: 'c', display: 'see' }],
  ])('upcasts v%i through every later version', (version, stored, current) => {
    expect(registry.upcast('Renamed', version, stored)).toEqual({
      schemaVersion: 3,
      data: current,
    });
  });

  it('passes through types it does not know (written by a newer build)', () => {
    expect(registry.upcast('Future', 1, { x: 1 })).toEqual({ schemaVersion: 1, data: { x: 1 } });
  });

  it('refuses a definition whose upcasters do not cover every older version', () => {
    expect(() => defineEvent('Broken', z.object({}), { version: 2 })).toThrow(
      /needs an upcaster from v1/,
    );
  });

  it('refuses two definitions of one type', () => {
    expect(() => new EventRegistry([Renamed, Renamed])).toThrow(/defined twice/);
  });

  it('names the field when new event data does not match the current schema', () => {
    expect(() => registry.encode('Renamed', { name: 'x', display: 3 })).toThrow(EventSchemaError);
    expect(() => registry.encode('Renamed', { name: 'x', display: 3 })).toThrow(/data\.display/);
    expect(() => registry.encode('Unknown', {})).toThrow(/unknown event type/);
  });
});
