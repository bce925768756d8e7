import { parseGoYaml, parseGoYamlDocuments } from './yaml-document';

describe('YAML decoded as sigs.k8s.io/yaml (go-yaml v2) decodes it', () => {
  it('keeps a lone dot a string (`path: .`), while every float form stays a number', () => {
    expect(parseGoYaml('path: .')).toEqual({ path: '.' });
    expect(parseGoYaml('a: -.\nb: +.')).toEqual({ a: '-.', b: '+.' });
    expect(parseGoYaml('a: 1.5\nb: .5\nc: -.5\nd: 1.\ne: 1_000.5\nf: 1e3\ng: .inf')).toEqual({
      a: 1.5,
      b: 0.5,
      c: -0.5,
      d: 1,
      e: 1000.5,
      f: 1000,
      g: Number.POSITIVE_INFINITY,
    });
    expect(parseGoYamlDocuments('source:\n  path: .\n---\nx: 1')).toEqual([
      { source: { path: '.' } },
      { x: 1 },
    ]);
  });

  it('reads YAML 1.1 booleans and leaves timestamps as strings', () => {
    expect(parseGoYaml('a: yes\nb: off\nc: 2026-01-02')).toEqual({
      a: true,
      b: false,
      c: '2026-01-02',
    });
  });
});
