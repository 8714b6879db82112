package athena

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// The DuckDB dialect shim runs the engine's Athena SQL, unchanged but for the rewrites
// below, over log files on disk:
//
//   - A view bedrock_analytics.bedrock_invocation_logs stands in for the Glue table. Its
//     columns are invocationlog.Columns (the list the CDK app gives Glue), read with
//     read_json from the region's files; JSON keys are matched by their camel-case names
//     (DuckDB's JSON reader is case-sensitive, the OpenX SerDe is not) and renamed to the
//     Glue names. dt is the hour folder of the file's key, as partition projection makes it,
//     and "$path" is the file's location (s3://bedrock-logs-test/… then the path below
//     root, key prefix included), so the data/ filter, anchored to the dt folder, sees
//     what Athena sees. Every file under the region's prefix is read, body objects
//     included, like Athena reads every object under a partition's location.
//   - ignore_errors mirrors the SerDe's ignore.malformed.json: a line read_json cannot
//     parse becomes a row whose columns are all NULL (dt and "$path" still set), as the
//     SerDe makes it, and the SQL counts it as a malformed line. One limitation: a line
//     cut off where a value is due (after a ':' or ',') makes read_json take the next
//     line as its continuation and null that line too, where Athena reads every line on
//     its own; so the fixtures put such a line last in its file. A line cut off inside
//     a string does not have this effect.
//   - from_iso8601_timestamp is a macro (a cast to TIMESTAMPTZ, which fails on bad input
//     the way Trino's function does; the SQL's try() turns that into NULL in both).
//   - Rewrites: element_at( becomes map_extract_value(, because DuckDB's element_at on a
//     MAP returns a list; and Trino's four-argument reduce(list, BIGINT '0', (s, x) -> s +
//     CAST(x AS bigint), s -> s), the sum of a list of digit strings (sumDigitsSuffix),
//     becomes the macro sum_digits(list), because DuckDB's reduce has another signature.
//     They are the only textual rewrites.
//   - Execution parameters are SQL literals (Athena splices them in as text); the shim
//     checks each is one quoted string literal, unquotes it and binds it as a native
//     DuckDB parameter, so nothing is spliced into the SQL text.
type duckExecutor struct {
	mu      sync.Mutex
	db      *sql.DB
	root    string
	columns string // read_json columns={…}
	selects string // the view's select list
	ran     []string
}

var _ executor = (*duckExecutor)(nil)

func newDuckExecutor(t *testing.T, root string) *duckExecutor {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one connection: the view and macro live in one database anyway
	for _, stmt := range []string{
		"SET TimeZone = 'UTC'",
		"CREATE SCHEMA bedrock_analytics",
		"CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
		"CREATE MACRO sum_digits(l) AS CAST(coalesce(list_sum(list_transform(l, lambda x: CAST(x AS BIGINT))), 0) AS BIGINT)",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	cols, sels, err := duckColumns()
	if err != nil {
		t.Fatal(err)
	}
	return &duckExecutor{db: db, root: root, columns: cols, selects: sels}
}

// jsonNames maps each lower-cased JSON key of the record types to its JSON spelling.
func jsonNames() map[string]string {
	names := map[string]string{}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[invocationlog.Record](), reflect.TypeFor[invocationlog.Identity](),
		reflect.TypeFor[invocationlog.Input](), reflect.TypeFor[invocationlog.Output](),
	} {
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag != "" {
				names[strings.ToLower(tag)] = tag
			}
		}
	}
	return names
}

// duckType converts a Hive type of invocationlog.Columns to DuckDB's, with JSON key names.
func duckType(hive string, names map[string]string) (string, error) {
	switch {
	case hive == "string":
		return "VARCHAR", nil
	case hive == "bigint":
		return "BIGINT", nil
	case hive == "int":
		return "INTEGER", nil
	case hive == "map<string,string>":
		return "MAP(VARCHAR, VARCHAR)", nil
	case strings.HasPrefix(hive, "struct<") && strings.HasSuffix(hive, ">"):
		var fields []string
		for f := range strings.SplitSeq(strings.TrimSuffix(strings.TrimPrefix(hive, "struct<"), ">"), ",") {
			name, typ, ok := strings.Cut(f, ":")
			if !ok {
				return "", fmt.Errorf("struct field %q", f)
			}
			jn, ok := names[name]
			if !ok {
				return "", fmt.Errorf("struct field %q is not a JSON key of the record", name)
			}
			dt, err := duckType(typ, names)
			if err != nil {
				return "", err
			}
			fields = append(fields, fmt.Sprintf("%q %s", jn, dt))
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", nil
	}
	return "", fmt.Errorf("hive type %q not handled by the shim", hive)
}

// duckColumns builds read_json's columns={…} and the view's select list from
// invocationlog.Columns.
func duckColumns() (string, string, error) {
	names := jsonNames()
	var cols, sels []string
	for _, c := range invocationlog.Columns {
		jn, ok := names[c.Name]
		if !ok {
			return "", "", fmt.Errorf("glue column %q is not a JSON key of the record", c.Name)
		}
		dt, err := duckType(c.Type, names)
		if err != nil {
			return "", "", fmt.Errorf("column %s: %w", c.Name, err)
		}
		cols = append(cols, fmt.Sprintf("%q: '%s'", jn, dt))
		sels = append(sels, fmt.Sprintf("%q AS %q", jn, c.Name))
	}
	return "{" + strings.Join(cols, ", ") + "}", strings.Join(sels, ", "), nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var literalRE = regexp.MustCompile(`^'(?:[^']|'')*'$`)

// unquote reads one execution parameter: a single SQL string literal.
func unquote(p string) (string, error) {
	if !literalRE.MatchString(p) {
		return "", fmt.Errorf("execution parameter %q is not one SQL string literal", p)
	}
	return strings.ReplaceAll(p[1:len(p)-1], "''", "'"), nil
}

// rewriteForDuckDB applies the shim's one textual rewrite.
func rewriteForDuckDB(sqlText string) string {
	sqlText = strings.ReplaceAll(sqlText, "element_at(", "map_extract_value(")
	sqlText = strings.ReplaceAll(sqlText, "reduce(regexp_extract_all(", "sum_digits(regexp_extract_all(")
	return strings.ReplaceAll(sqlText, sumDigitsSuffix, ")")
}

// regionFiles lists every file under a region's log prefixes below root.
func (d *duckExecutor) regionFiles(region string) ([]string, int64, error) {
	var files []string
	var size int64
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if loc, ok := invocationlog.ParseLocation(filepath.ToSlash(p)); ok && loc.Region == region {
			files = append(files, filepath.ToSlash(p))
			if fi, err := e.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	return files, size, err
}

func (d *duckExecutor) execute(ctx context.Context, region string, q querySpec, row rowFunc) (queryStats, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := queryStats{id: "duckdb-" + region}
	files, size, err := d.regionFiles(region)
	if err != nil {
		return st, err
	}
	var view string
	if len(files) == 0 {
		view = fmt.Sprintf("SELECT * FROM (SELECT %s, NULL::VARCHAR AS dt, NULL::VARCHAR AS \"$path\" FROM read_json('/dev/null', columns=%s)) WHERE false", d.selects, d.columns)
		// read_json needs a file; an empty region reads an empty stand-in instead.
		empty := filepath.Join(d.root, "empty.json")
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			return st, err
		}
		view = strings.Replace(view, "'/dev/null'", sqlString(filepath.ToSlash(empty)), 1)
	} else {
		quoted := make([]string, len(files))
		for i, f := range files {
			quoted[i] = sqlString(f)
		}
		view = fmt.Sprintf(`SELECT %s,
  regexp_extract(filename, '/BedrockModelInvocationLogs/[^/]+/([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})/', 1) AS dt,
  's3://bedrock-logs-test' || filename AS "$path"
FROM read_json([%s], format = 'newline_delimited', compression = 'gzip', columns = %s, filename = true, ignore_errors = true)`,
			d.selects, strings.Join(quoted, ", "), d.columns)
	}
	if _, err := d.db.ExecContext(ctx, "CREATE OR REPLACE VIEW bedrock_analytics.bedrock_invocation_logs AS "+view); err != nil {
		return st, fmt.Errorf("duckdb view: %w", err)
	}
	args := make([]any, len(q.params))
	for i, p := range q.params {
		v, err := unquote(p)
		if err != nil {
			return st, err
		}
		args[i] = v
	}
	text := rewriteForDuckDB(q.sql)
	d.ran = append(d.ran, text)
	rows, err := d.db.QueryContext(ctx, text, args...)
	if err != nil {
		return st, fmt.Errorf("duckdb: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return st, err
	}
	cols := make([]Column, len(types))
	for i, ct := range types {
		cols[i] = Column{Name: ct.Name(), Type: athenaTypeName(ct.DatabaseTypeName())}
	}
	for rows.Next() {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return st, err
		}
		vals := make([]*string, len(cols))
		for i, v := range raw {
			vals[i] = athenaText(v)
		}
		if err := row(cols, vals); err != nil {
			return st, err
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.bytesScanned, st.charged = size, true
	return st, nil
}

// athenaTypeName maps a DuckDB type to the name Athena's ColumnInfo gives the same type.
func athenaTypeName(duck string) string {
	switch duck {
	case "VARCHAR":
		return "varchar"
	case "BIGINT":
		return "bigint"
	case "INTEGER":
		return "integer"
	case "BOOLEAN":
		return "boolean"
	case "TIMESTAMP":
		return "timestamp"
	}
	return "duckdb:" + duck
}

// athenaText formats a DuckDB value the way Athena's results carry it.
func athenaText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case int64:
		s = fmt.Sprint(x)
	case int32:
		s = fmt.Sprint(x)
	case bool:
		s = fmt.Sprint(x)
	case time.Time:
		s = x.UTC().Format("2006-01-02 15:04:05.000")
	default:
		s = fmt.Sprintf("unexpected %T %v", v, v)
	}
	return &s
}
