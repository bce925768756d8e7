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
  for (const r of selector.requirements) {
    const key = param(r.key);
    switch (r.operator) {
      case 'In':
        parts.push(`(${column} ->> ${key}) = ANY(${param(r.values)}::text[])`);
        break;
      case 'NotIn':
        parts.push(`NOT coalesce((${column} ->> ${key}) = ANY(${param(r.values)}::text[]), false)`);
        break;
      case 'Exists':
        parts.push(`jsonb_exists(${column}, ${key})`);
        break;
      case 'DoesNotExist':
        parts.push(`NOT jsonb_exists(${column}, ${key})`);
        break;
    }
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', params };
}
