/**
 * The singular of a table name, for default foreign keys: `users` → `user`,
 * `categories` → `category`, `boxes` → `box`, `people` stays `people`.
 * Table names, not class names, are used because minifiers rename classes.
 */
export function singular(table: string): string {
  if (/ies$/.test(table)) return `${table.slice(0, -3)}y`;
  if (/(s|x|z|ch|sh)es$/.test(table)) return table.slice(0, -2);
  if (/[^s]s$/.test(table)) return table.slice(0, -1);
  return table;
}

/** The default foreign key naming a record of `table`: `users` + `id` → `user_id`. */
export function defaultForeignKey(table: string, primaryKey: string): string {
  return `${singular(table)}_${primaryKey}`;
}

const RELATION_SUFFIX = 'Relation';

/** The method that defines relation `name`: `profile` → `profileRelation`. */
export function relationMethod(name: string): string {
  return `${name}${RELATION_SUFFIX}`;
}

/** The relation a method defines, or undefined: `profileRelation` → `profile`. */
export function relationNameOf(method: string): string | undefined {
  if (!method.endsWith(RELATION_SUFFIX) || method.length === RELATION_SUFFIX.length)
    return undefined;
  return method.slice(0, -RELATION_SUFFIX.length);
}
