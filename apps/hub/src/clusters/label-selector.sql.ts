import { compileLabelSelector, parseLabelSelector } from '@flotilla/domain';

/**
 * Translates a Kubernetes label selector (string syntax, parsed and validated by the one parser
 * of the code base) into a SQL condition on a jsonb `labels` column, with the same semantics:
 * `NotIn` and `!=` also match objects without the key; an empty selector matches everything.
 * Values go in as parameters, numbered from `firstParam`.
 */
export function labelSelectorSql(
  text: string,
  column: string,
  firstParam: number,
  field = 'filter.selector',
): { sql: string; params: unknown[] } {
  const selector = compileLabelSelector(parseLabelSelector(text, field), { field });
  const parts: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  // `In` and `NotIn` as containment of one of the {key: value} pairs (label values are always
  // strings, so this is `labels ->> key = ANY(values)`): Postgres estimates how many clusters
  // match from the column's statistics (for `->>` it assumes 0.5%, and plans a fleet-wide join
  // as if a handful matched) and can use the GIN index on labels.
  const pairs = (key: string, values: readonly string[]) =>
    param(values.map((value) => JSON.stringify({ [key]: value })));
  for (const r of selector.requirements) {
    switch (r.operator) {
      case 'In':
        parts.push(`${column} @> ANY(${pairs(r.key, r.values)}::jsonb[])`);
        break;
      case 'NotIn':
        parts.push(`NOT coalesce(${column} @> ANY(${pairs(r.key, r.values)}::jsonb[]), false)`);
        break;
      case 'Exists':
        parts.push(`jsonb_exists(${column}, ${param(r.key)})`);
        break;
      case 'DoesNotExist':
        parts.push(`NOT jsonb_exists(${column}, ${param(r.key)})`);
        break;
    }
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', params };
}
