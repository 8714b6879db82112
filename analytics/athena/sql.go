package athena

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Result column names of the usage query, in order; metadata columns meta_1… follow
// long_context, over_100k and service_tier, then line_kind; the measures come last, under their names
// (analytics.MeasureDefs).
const (
	colHour            = "hour"
	colRegion          = "region"
	colAccount         = "account"
	colARN             = "arn"
	colModel           = "model"
	colOperation       = "operation"
	colErrorCode       = "error_code"
	colInferenceRegion = "inference_region"
	colLongContext     = "long_context"
	colOver100K        = "over_100k"
	colServiceTier     = "service_tier"
	colKind            = "line_kind"
	metaColPrefix      = "meta_"
)

// ErrBadQuery is wrapped by the errors of a query or Config the engine refuses to turn into
// SQL: a filter value it cannot send as a parameter, a bad database or table name, an empty
// range. The CLI reports them as usage errors.
var ErrBadQuery error = badQuery{}

// badQuery is ErrBadQuery: it also matches engine.ErrUsage, so the CLI exits with its usage
// status.
type badQuery struct{}

func (badQuery) Error() string        { return "bad query" }
func (badQuery) Is(target error) bool { return target == engine.ErrUsage }

// maxParamLen is the longest execution parameter Athena accepts (characters).
const maxParamLen = 1024

// identRE is what a database or table name may be: Glue names are lower-case letters,
// digits and underscores; nothing else reaches the SQL text.
var identRE = regexp.MustCompile(`^[a-z0-9_]{1,255}$`)

// appPattern extracts the application of a caller from an identity ARN, the way
// invocationlog.ParseARN splits it and Caller.App names it: the role name of an assumed role
// (arn:partition:sts:region:account:assumed-role/Role/Session) or of a role
// (arn:partition:iam:region:account:role/path/Role, the last path element). Group
// appGroup is the name. Wherever App is not empty the pattern extracts exactly App; it
// also extracts a name for some ARNs whose App is empty (Identity Center roles, an
// assumed-role ARN without a session part), which Match then drops. It has no '?' (so no
// non-capturing groups) so that no engine can mistake it for a parameter.
const (
	appPattern = `^arn:[^:]*:(sts:[^:]*:[^:]*:assumed-role/|iam:[^:]*:[^:]*:role/([^/]*/)*)([^/]+)(/|$)`
	appGroup   = 3
)

// Values of the line_kind column: "record" for an invocation log record (whose hour is NULL
// when its timestamp does not parse), else the reason the line is skipped. None is empty:
// Athena's GetQueryResults may not tell an empty string from NULL.
const (
	kindRecord    = "record"
	kindOther     = string(invocationlog.SkipOtherRecord)
	kindMalformed = string(invocationlog.SkipMalformedLine)
	kindBadCount  = "count_out_of_range"
)

// badCount is the SQL condition that a record's count fields are out of range.
func badCount() string {
	var parts []string
	for _, m := range analytics.MeasureDefs {
		if m.Field != "" {
			f := fieldSQL(m.Field)
			parts = append(parts, fmt.Sprintf("coalesce(%s, 0) NOT BETWEEN 0 AND %d", f, int64(invocationlog.MaxCount)))
		}
	}
	return strings.Join(parts, " OR ")
}

// appProfileLike matches every modelId that invocationlog.ParseModelID reads as an
// application inference profile ARN (arn:…:account:application-inference-profile/id).
const appProfileLike = "%:application-inference-profile/%"

// allNull is the SQL condition that every table column is NULL: the row the OpenX SerDe
// makes of a line it cannot parse (ignore.malformed.json). A JSON object holding none of
// the table's keys ({}) reads the same; the local engine counts that one as another record.
func allNull() string {
	var b strings.Builder
	for i, c := range invocationlog.Columns {
		if i > 0 {
			b.WriteString("\n        AND ")
		}
		fmt.Fprintf(&b, "%q IS NULL", c.Name)
	}
	return b.String()
}

// partitionTime formats a delivery hour as the dt partition value (PartitionFormat).
func partitionValue(t time.Time) string { return t.UTC().Format(invocationlog.HourFolderLayout) }

// boundLayout formats a range bound for from_iso8601_timestamp, in milliseconds: Athena's
// timestamps have millisecond precision.
const boundLayout = "2006-01-02T15:04:05.000Z"

// formatBound rounds t up to the next millisecond, so that for record timestamps of
// millisecond precision or coarser (Bedrock writes seconds) `ts >= bound` and `ts < bound`
// agree exactly with comparisons against t itself.
func formatBound(t time.Time) string {
	t = t.UTC()
	if r := t.Sub(t.Truncate(time.Millisecond)); r > 0 {
		t = t.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	return t.Format(boundLayout)
}

// Literal quotes s as a SQL string literal for an Athena execution parameter. Athena
// substitutes execution parameters into the statement as SQL text, so a string value must
// be a quoted literal; a quote inside it is doubled. Values Athena cannot carry, or that
// have no business in a filter (empty, control characters, invalid UTF-8, longer than the
// parameter limit once quoted), are refused rather than mangled.
func Literal(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty value")
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("value %q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return "", fmt.Errorf("value %q contains a control character", s)
		}
	}
	lit := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if n := utf8.RuneCountInString(lit); n > maxParamLen {
		return "", fmt.Errorf("value %.40q… is too long for an Athena parameter (%d characters quoted, limit %d)", s, n, maxParamLen)
	}
	return lit, nil
}

// sqlBuilder writes SQL text and collects execution parameters in the order their '?'
// placeholders occur.
type sqlBuilder struct {
	b      strings.Builder
	params []string
	err    error
}

func (s *sqlBuilder) w(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// param writes one placeholder for value v (quoted with Literal).
func (s *sqlBuilder) param(what, v string) {
	lit, err := Literal(v)
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
	s.params = append(s.params, lit)
	s.b.WriteString("?")
}

// list writes "?, ?, …" for values.
func (s *sqlBuilder) list(what string, vals []string) {
	for i, v := range vals {
		if i > 0 {
			s.w(", ")
		}
		s.param(what, v)
	}
}

// pushable reports whether a filter can be pushed into SQL: a filter holding an empty value
// (which matches rows whose field is empty, such as the app of an IAM user) is left to the
// Go side only, since the SQL superset predicates below need a non-empty needle.
func pushable(vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		if v == "" {
			return false
		}
	}
	return true
}

// buildSQL writes the usage query for q over database.table. Every user value goes through
// a parameter. The filters pushed into SQL are supersets of analytics.Query.Match (the Go
// side applies Match again to each row), so pushing them down never changes the answer:
//
//   - regions: region IN (…), exact.
//   - apps: the role name extracted from the ARN (assumed role or IAM role), as ParseARN
//     does, IN (…). It also keeps Identity Center roles (AWSReservedSSO_…), whose App is
//     empty; Match drops them.
//   - users: the ARN contains the user name (a session or user name is always part of it).
//   - models: the modelId contains the value (the base model id is a suffix of every form),
//     or is an application inference profile ARN, whose model is only known once pricing
//     resolves it (Match keeps those rows; analytics.BuildReport filters them).
//
// Lines that are not usage records are counted, never filtered: every row of the
// partitions read gets a line_kind, and rows that are skipped (line_kind not "record", or a
// log record whose timestamp does not parse) have a NULL ts and pass the WHERE clause
// whatever the range and filters, as the local engine counts the skipped lines of every
// file it reads.
func buildSQL(database, table string, q analytics.Query) (string, []string, error) {
	text, params, err := buildSQLText(database, table, q)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrBadQuery, err)
	}
	return text, params, nil
}

func buildSQLText(database, table string, q analytics.Query) (string, []string, error) {
	if !identRE.MatchString(database) {
		return "", nil, fmt.Errorf("database name %q: want lower-case letters, digits and underscores", database)
	}
	if !identRE.MatchString(table) {
		return "", nil, fmt.Errorf("table name %q: want lower-case letters, digits and underscores", table)
	}
	if err := q.Validate(); err != nil {
		return "", nil, err
	}
	firstHour, lastHour, _ := invocationlog.HourRange(q.Since, q.Until) // Validate refused an empty range
	s := &sqlBuilder{}
	s.w("-- bedrock-usage: Bedrock usage at the report grain, for one region's invocation logs.\n")
	s.w("-- Parameters in order: requestMetadata keys (each twice), first and last delivery-hour partition,\n")
	s.w("-- range start and end (ISO 8601, end excluded), then filter values.\n")
	s.w("WITH calls AS (\n")
	s.w("  SELECT\n")
	// Only invocation log records have a usage timestamp; every other row is a skip. A
	// record with a count below 0 or above invocationlog.MaxCount is a malformed line, as
	// the decoder makes it.
	record := fmt.Sprintf(`"schematype" = '%s' AND NOT (%s)`, invocationlog.SchemaType, badCount())
	s.w("    CASE WHEN ", record, " THEN try(from_iso8601_timestamp(\"timestamp\")) END AS ts,\n")
	s.w("    CASE\n")
	s.w("      WHEN ", record, " THEN '", kindRecord, "'\n")
	s.w("      WHEN \"schematype\" = '", invocationlog.SchemaType, "' THEN '", kindBadCount, "'\n")
	s.w("      WHEN ", allNull(), " THEN '", kindMalformed, "'\n")
	s.w("      ELSE '", kindOther, "'\n")
	s.w("    END AS ", colKind, ",\n")
	s.w("    coalesce(\"region\", '') AS region,\n")
	s.w("    coalesce(\"accountid\", '') AS account,\n")
	s.w("    coalesce(\"identity\".\"arn\", '') AS arn,\n")
	s.w("    coalesce(\"modelid\", '') AS model,\n")
	s.w("    coalesce(\"operation\", '') AS operation,\n")
	s.w("    coalesce(\"errorcode\", '') AS error_code,\n")
	s.w("    coalesce(\"inferenceregion\", '') AS inference_region,\n")
	// One per-record value for each measure read from a field (calls count the rows).
	var fields []string
	for _, m := range analytics.MeasureDefs {
		if m.Field != "" {
			fields = append(fields, fmt.Sprintf("    coalesce(%s, 0) AS %s", fieldSQL(m.Field), m.Short))
		}
	}
	s.w(strings.Join(fields, ",\n"))
	// The body.s cache-TTL split (bodysql.go), read by the splits CTE below.
	s.w(",\n    ", splitSQL(), " AS ", colTTLSplit)
	s.w(",\n    ", serviceTierSQL(), " AS ", colServiceTier)
	for _, m := range analytics.MeasureDefs {
		if m.Guardrail > 0 {
			s.w(",\n    ", guardrailSQL(invocationlog.GuardrailPolicies[m.Guardrail-1].Field), " AS ", m.Short)
		}
	}
	// A requestMetadata key is looked up as given and then lower-cased: Hive's OpenX SerDe
	// lower-cases map keys under case.insensitive (its default), Trino's reader keeps them.
	for i, k := range q.MetadataKeys {
		s.w(",\n    coalesce(element_at(\"requestmetadata\", ")
		s.param("requestMetadata key", k)
		s.w("), element_at(\"requestmetadata\", lower(")
		s.param("requestMetadata key", k)
		s.w(fmt.Sprintf(")), '') AS %s%d", metaColPrefix, i+1))
	}
	s.w("\n")
	s.w("  FROM \"", database, "\".\"", table, "\"\n")
	s.w("  WHERE \"dt\" BETWEEN ")
	s.param("first partition", partitionValue(firstHour))
	s.w(" AND ")
	s.param("last partition", partitionValue(lastHour))
	s.w("\n")
	// Body objects sit in the data/ folder right under the hour folder; a data/ folder
	// elsewhere in the key (in the bucket prefix, say) is no reason to skip a file.
	s.w("    AND \"$path\" NOT LIKE ('%/' || \"dt\" || '/data/%')\n")
	s.w("),\n")
	s.w("splits AS (\n")
	s.w("  SELECT *,\n")
	s.w("    ", ttlCountSQL("1h"), " AS ", colTTL1h, ",\n")
	s.w("    ", ttlCountSQL("5m"), " AS ", colTTL5m, "\n")
	s.w("  FROM calls\n")
	s.w(")\n")
	s.w("SELECT\n")
	s.w("  CAST(date_trunc('hour', ts AT TIME ZONE 'UTC') AS timestamp) AS ", colHour, ",\n")
	// The CTE's column names are the result's: region, account, arn, model, operation,
	// error_code, inference_region.
	s.w("  ", strings.Join([]string{colRegion, colAccount, colARN, colModel, colOperation, colErrorCode, colInferenceRegion}, ", "), ",\n")
	var ctx []string
	for _, m := range analytics.MeasureDefs {
		if m.ContextInput {
			ctx = append(ctx, m.Short)
		}
	}
	s.w(fmt.Sprintf("  %s > %d AS %s,\n", strings.Join(ctx, " + "), invocationlog.LongContextThreshold, colLongContext))
	s.w(fmt.Sprintf("  %s > %d AS %s,\n", strings.Join(ctx, " + "), invocationlog.LongContextThreshold100K, colOver100K))
	s.w("  ", colServiceTier, ",\n")
	for i := range q.MetadataKeys {
		s.w(fmt.Sprintf("  %s%d,\n", metaColPrefix, i+1))
	}
	s.w("  ", colKind, ",\n")
	var sums []string
	for _, m := range analytics.MeasureDefs {
		switch {
		case m.Body:
			expr, ok := bodyMeasureSQL(m.Name)
			if !ok {
				return "", nil, fmt.Errorf("measure %s is read from the body, and the SQL has no expression for it", m.Name)
			}
			sums = append(sums, fmt.Sprintf("  CAST(sum(%s) AS bigint) AS %s", expr, m.Name))
		case m.Field == "":
			sums = append(sums, "  count(*) AS "+m.Name)
		default:
			sums = append(sums, fmt.Sprintf("  CAST(sum(%s) AS bigint) AS %s", m.Short, m.Name))
		}
	}
	s.w(strings.Join(sums, ",\n"), "\n")
	s.w("FROM splits\n")
	// Skipped rows (ts is NULL) are kept whatever the range and filters, so that they are
	// counted instead of vanishing.
	s.w("WHERE ts IS NULL\n")
	s.w("  OR (ts >= from_iso8601_timestamp(")
	s.param("range start", formatBound(q.Since))
	s.w(") AND ts < from_iso8601_timestamp(")
	s.param("range end", formatBound(q.Until))
	s.w(")\n")
	if pushable(q.Regions) {
		s.w("    AND region IN (")
		s.list("region", q.Regions)
		s.w(")\n")
	}
	if pushable(q.Apps) {
		s.w("    AND coalesce(regexp_extract(arn, '", appPattern, "', ", fmt.Sprint(appGroup), "), '') IN (")
		s.list("app", q.Apps)
		s.w(")\n")
	}
	if pushable(q.Users) {
		s.w("    AND (")
		for i, u := range q.Users {
			if i > 0 {
				s.w(" OR ")
			}
			s.w("strpos(arn, ")
			s.param("user", u)
			s.w(") > 0")
		}
		s.w(")\n")
	}
	if pushable(q.Models) {
		s.w("    AND (")
		for _, m := range q.Models {
			s.w("strpos(model, ")
			s.param("model", m)
			s.w(") > 0 OR ")
		}
		s.w("model LIKE '", appProfileLike, "')\n")
	}
	s.w("  )\n")
	s.w("GROUP BY ")
	// Every result column but the measures is a grouping column.
	for i := range len(wantColumns(len(q.MetadataKeys))) - len(analytics.MeasureDefs) {
		if i > 0 {
			s.w(", ")
		}
		s.w(fmt.Sprint(i + 1))
	}
	s.w("\n")
	if s.err != nil {
		return "", nil, s.err
	}
	return s.b.String(), s.params, nil
}

// InlineSQL returns the query of SQL(q) with its execution parameters written in place of
// the placeholders: one statement to read, or to paste into the Athena console. The engine
// itself always sends the parameters separately.
func (s *Source) InlineSQL(q analytics.Query) (string, error) {
	text, params, err := s.SQL(q)
	if err != nil {
		return "", err
	}
	return inline(text, params)
}

// inline replaces each '?' placeholder outside string literals, quoted identifiers and
// comments with the next parameter.
func inline(text string, params []string) (string, error) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(text) {
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(text[i:min(j+1, len(text))])
			i = j
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				j = len(text) - i - 1
			}
			b.WriteString(text[i : i+j+1])
			i += j
		case c == '?':
			if n >= len(params) {
				return "", fmt.Errorf("more placeholders than the %d parameters", len(params))
			}
			b.WriteString(params[n])
			n++
		default:
			b.WriteByte(c)
		}
	}
	if n != len(params) {
		return "", fmt.Errorf("%d placeholders for %d parameters", n, len(params))
	}
	return b.String(), nil
}

// shortOf is the per-record column of the named measure.
func shortOf(name string) string {
	for _, m := range analytics.MeasureDefs {
		if m.Name == name {
			return m.Short
		}
	}
	panic("athena: no measure " + name)
}

// fieldSQL turns a record field path of a measure ("input.inputTokenCount") into the
// column reference of the Glue table, whose names are lower-cased ("input"."inputtokencount").
func fieldSQL(path string) string {
	parts := strings.Split(strings.ToLower(path), ".")
	for i, p := range parts {
		parts[i] = `"` + p + `"`
	}
	return strings.Join(parts, ".")
}
