package athena

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Column is one result column: its name and its Athena (Trino) type as
// ResultSetMetadata.ColumnInfo reports it ("varchar", "bigint", "boolean", "timestamp", …).
type Column struct {
	Name string
	Type string
}

// value is a typed result value.
type value struct {
	null bool
	s    string
	i    int64
	b    bool
	t    time.Time
}

// parseValue parses Athena's text form of a value of type typ. Athena returns every value
// as text (VarCharValue, or a CSV field); nil is SQL NULL.
func parseValue(typ string, v *string) (value, error) {
	if v == nil {
		return value{null: true}, nil
	}
	base := strings.ToLower(typ)
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = base[:i] // varchar(12), timestamp(3), decimal(38,0)
	}
	switch base {
	case "varchar", "char", "string":
		return value{s: *v}, nil
	case "bigint", "integer", "int", "smallint", "tinyint":
		n, err := strconv.ParseInt(*v, 10, 64)
		if err != nil {
			return value{}, fmt.Errorf("%s value %q: %w", typ, *v, err)
		}
		return value{i: n}, nil
	case "decimal":
		// sum() of a decimal column; only whole numbers are expected here.
		n, err := strconv.ParseInt(strings.TrimSuffix(*v, ".0"), 10, 64)
		if err != nil {
			return value{}, fmt.Errorf("%s value %q: %w", typ, *v, err)
		}
		return value{i: n}, nil
	case "boolean":
		b, err := strconv.ParseBool(*v)
		if err != nil {
			return value{}, fmt.Errorf("%s value %q: %w", typ, *v, err)
		}
		return value{b: b}, nil
	case "timestamp":
		t, err := parseTimestamp(*v)
		if err != nil {
			return value{}, fmt.Errorf("%s value %q: %w", typ, *v, err)
		}
		return value{t: t}, nil
	}
	return value{}, fmt.Errorf("column type %q is not one the usage query returns", typ)
}

// parseTimestamp reads Athena's timestamp text ("2025-11-01 10:00:00.000", with " UTC" for a
// timestamp with time zone in UTC).
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, " UTC")
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}

// rowSink turns result rows into usage rows: it maps columns by name, parses values by their
// type, builds the key with analytics.KeyFor and keeps the rows that pass Query.Match.
type rowSink struct {
	q      analytics.Query
	region string
	agg    *analytics.Aggregator
	skip   *invocationlog.Skipped
	cols   []Column
	idx    map[string]int
	n      int64
}

func newRowSink(q analytics.Query, region string, agg *analytics.Aggregator, skip *invocationlog.Skipped) *rowSink {
	return &rowSink{q: q, region: region, agg: agg, skip: skip}
}

// wantColumns are the columns of a usage result, with the base types they must have.
func wantColumns(metaKeys int) []Column {
	cols := []Column{
		{colHour, "timestamp"}, {colRegion, "varchar"}, {colAccount, "varchar"}, {colARN, "varchar"},
		{colModel, "varchar"}, {colOperation, "varchar"}, {colErrorCode, "varchar"}, {colInferenceRegion, "varchar"}, {colLongContext, "boolean"},
		{colOver100K, "boolean"}, {colServiceTier, "varchar"},
	}
	for i := range metaKeys {
		cols = append(cols, Column{fmt.Sprintf("%s%d", metaColPrefix, i+1), "varchar"})
	}
	cols = append(cols, Column{colKind, "varchar"})
	for _, m := range analytics.MeasureDefs {
		cols = append(cols, Column{m.Name, "bigint"})
	}
	return cols
}

// setColumns checks the result's columns: each expected column present once, under its name.
func (s *rowSink) setColumns(cols []Column) error {
	s.cols = cols
	s.idx = make(map[string]int, len(cols))
	for i, c := range cols {
		s.idx[strings.ToLower(c.Name)] = i
	}
	for _, w := range wantColumns(len(s.q.MetadataKeys)) {
		if _, ok := s.idx[w.Name]; !ok {
			return fmt.Errorf("result has no column %q (columns %v)", w.Name, cols)
		}
	}
	return nil
}

// add takes one result row; cols are the result's columns (the same on every call).
func (s *rowSink) add(cols []Column, vals []*string) error {
	if s.cols == nil {
		if err := s.setColumns(cols); err != nil {
			return err
		}
	}
	s.n++
	if len(vals) != len(s.cols) {
		return fmt.Errorf("result row %d has %d values for %d columns", s.n, len(vals), len(s.cols))
	}
	get := func(name string) (value, error) {
		i := s.idx[name]
		v, err := parseValue(s.cols[i].Type, vals[i])
		if err != nil {
			return value{}, fmt.Errorf("result row %d, column %s: %w", s.n, name, err)
		}
		return v, nil
	}
	var firstErr error
	str := func(name string) string {
		v, err := get(name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v.s
	}
	num := func(name string) int64 {
		v, err := get(name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v.i
	}
	hour, err := get(colHour)
	if err != nil {
		return err
	}
	kind, err := get(colKind)
	if err != nil {
		return err
	}
	long, err := get(colLongContext)
	if err != nil {
		return err
	}
	over100K, err := get(colOver100K)
	if err != nil {
		return err
	}
	rec := invocationlog.Record{
		Timestamp:       hour.t,
		Region:          str(colRegion),
		AccountID:       str(colAccount),
		Identity:        invocationlog.Identity{ARN: str(colARN)},
		ModelID:         str(colModel),
		Operation:       str(colOperation),
		ErrorCode:       str(colErrorCode),
		Output:          invocationlog.Output{ServiceTier: str(colServiceTier)},
		InferenceRegion: str(colInferenceRegion),
	}
	if n := len(s.q.MetadataKeys); n > 0 {
		rec.RequestMetadata = make(map[string]string, n)
		for i, k := range s.q.MetadataKeys {
			if _, seen := rec.RequestMetadata[k]; !seen {
				rec.RequestMetadata[k] = str(fmt.Sprintf("%s%d", metaColPrefix, i+1))
			}
		}
	}
	var m analytics.Measures
	for i := range analytics.MeasureDefs {
		d := &analytics.MeasureDefs[i]
		d.Set(&m, num(d.Name))
	}
	if firstErr != nil {
		return firstErr
	}
	switch {
	case kind.s == kindOther:
		// Lines that are JSON objects but not invocation log records (another or no
		// schemaType): the decoder skips each as another record.
		s.skipGroup(invocationlog.SkipOtherRecord, m.Calls,
			fmt.Sprintf("%d line(s) of %s whose schemaType is not %s", m.Calls, describeGroup(&rec), invocationlog.SchemaType))
		return nil
	case kind.s == kindBadCount:
		// Records with a token count below 0 or above invocationlog.MaxCount: the decoder
		// makes each a malformed line.
		s.skipGroup(invocationlog.SkipMalformedLine, m.Calls,
			fmt.Sprintf("%d record(s) of %s with a token count below 0 or above %d", m.Calls, describeGroup(&rec), int64(invocationlog.MaxCount)))
		return nil
	case kind.s == kindMalformed:
		// Lines the SerDe could not read (every column NULL).
		s.skipGroup(invocationlog.SkipMalformedLine, m.Calls,
			fmt.Sprintf("%d line(s) that are not JSON objects of the record's shape", m.Calls))
		return nil
	case kind.null || kind.s != kindRecord:
		v := "NULL"
		if !kind.null {
			v = strconv.Quote(kind.s)
		}
		return fmt.Errorf("result row %d, column %s: got %s, want %q, %q, %q or %q", s.n, colKind, v, kindRecord, kindOther, kindMalformed, kindBadCount)
	case hour.null:
		// Records whose timestamp did not parse: the local engine's decoder skips such
		// a line as malformed; count them the same way.
		s.skipGroup(invocationlog.SkipMalformedLine, m.Calls,
			fmt.Sprintf("%d record(s) of %s with a timestamp that is not ISO 8601", m.Calls, describeGroup(&rec)))
		return nil
	}
	k := analytics.KeyFor(&rec, s.q.MetadataKeys)
	// The row is a group, not a record: its context tier comes from the SQL, which computed
	// it per record.
	k.LongContext, k.Over100K = long.b, over100K.b
	if !s.q.Match(k) {
		s.agg.Filtered += m.Calls
		return nil
	}
	s.agg.AddRow(analytics.Row{Key: k, Measures: m})
	return nil
}

// skipGroup counts n skipped lines of one result row, keeping one sample for them.
func (s *rowSink) skipGroup(reason invocationlog.SkipReason, n int64, detail string) {
	if n <= 0 {
		return
	}
	s.skip.Add(invocationlog.Skip{Reason: reason, File: "athena:" + s.region, Detail: detail})
	switch reason {
	case invocationlog.SkipMalformedLine:
		s.skip.MalformedLines += n - 1
	case invocationlog.SkipOtherRecord:
		s.skip.OtherRecords += n - 1
	}
}

func describeGroup(r *invocationlog.Record) string {
	return fmt.Sprintf("account %s, caller %s, model %s", r.AccountID, r.Identity.ARN, r.ModelID)
}
