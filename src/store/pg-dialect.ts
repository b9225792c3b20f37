import { PostgresDialect, sql } from 'kysely'
import type { ColumnMetadata, DatabaseIntrospector, DatabaseMetadata, DatabaseMetadataOptions, Kysely, SchemaMetadata, TableMetadata } from 'kysely'

/**
 * Kysely's PostgreSQL dialect, with introspection limited to the store's own schema
 * (`current_schema()`).
 *
 * Why: Kysely's Migrator looks for its bookkeeping tables through the introspector, and the stock
 * one lists the tables of every schema in the database with catalog functions that fail ("schema
 * ... does not exist") when another schema is dropped while it runs. Several Warden databases (or
 * test schemas) in one PostgreSQL database made opening flaky; looking only at our schema, with
 * plain catalog joins, is both correct and immune.
 */
export class WardenPostgresDialect extends PostgresDialect {
  // Kysely's own signature takes Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db)
  }
}

interface ColumnRow {
  table_name: string
  is_view: boolean
  column_name: string | null
  data_type: string | null
  not_null: boolean | null
  has_default: boolean | null
  is_identity: boolean | null
  default_expr: string | null
  schema_name: string
}

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>

  constructor(db: Kysely<unknown>) {
    this.#db = db
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string | null }>`select current_schema() as name`.execute(this.#db)
    const name = r.rows[0]?.name
    return name === null || name === undefined ? [] : [{ name }]
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const r = await sql<ColumnRow>`
      select c.relname as table_name,
             c.relkind in ('v', 'm') as is_view,
             a.attname as column_name,
             format_type(a.atttypid, a.atttypmod) as data_type,
             a.attnotnull as not_null,
             a.atthasdef as has_default,
             a.attidentity <> '' as is_identity,
             pg_get_expr(d.adbin, d.adrelid) as default_expr,
             n.nspname as schema_name
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')
      order by c.relname, a.attnum`.execute(this.#db)
    const tables = new Map<string, { name: string; isView: boolean; schema: string; columns: ColumnMetadata[] }>()
    for (const row of r.rows) {
      if (!options.withInternalKyselyTables && (row.table_name === 'kysely_migration' || row.table_name === 'kysely_migration_lock')) continue
      let table = tables.get(row.table_name)
      if (table === undefined) {
        table = { name: row.table_name, isView: row.is_view, schema: row.schema_name, columns: [] }
        tables.set(row.table_name, table)
      }
      if (row.column_name === null) continue
      table.columns.push({
        name: row.column_name,
        dataType: row.data_type ?? 'unknown',
        isNullable: row.not_null !== true,
        hasDefaultValue: row.has_default === true,
        isAutoIncrementing: row.is_identity === true || (row.default_expr ?? '').startsWith('nextval('),
      })
    }
    return [...tables.values()]
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
}
