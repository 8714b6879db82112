package athena

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur/curtest"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

var (
	billFrom  = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	billUntil = time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)
)

func TestBillSQLGolden(t *testing.T) {
	text, params := BillSQL(DefaultDatabase, "cur_bedrock", billFrom, billUntil)
	want := []string{"'2025-11'", "'2025-11'", "'2025-11-01 00:00:00'", "'2025-11-15 00:00:00'"}
	if diff := cmp.Diff(want, params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if got, want := strings.Count(text, "?"), len(params); got != want {
		t.Errorf("placeholders: got %d, want %d", got, want)
	}
	golden.Assert(t, filepath.Join("testdata", "bill.sql"), []byte(text))
	inl, err := inline(text, params)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, filepath.Join("testdata", "bill-inline.sql"), []byte(inl))
}

// billDuck runs the bill query on DuckDB over Parquet files: a view
// bedrock_analytics.cur_bedrock stands in for the Glue table, its billing_period the
// BILLING_PERIOD folder of each file, as partition projection makes it. element_at( is
// rewritten as for the log table; nothing else is changed.
type billDuck struct {
	db    *sql.DB
	files []string
}

var _ executor = (*billDuck)(nil)

func (d *billDuck) execute(ctx context.Context, region string, q querySpec, row rowFunc) (queryStats, error) {
	quoted := make([]string, len(d.files))
	for i, f := range d.files {
		quoted[i] = sqlString(filepath.ToSlash(f))
	}
	view := fmt.Sprintf(`CREATE OR REPLACE VIEW bedrock_analytics.cur_bedrock AS
SELECT *, regexp_extract(filename, 'BILLING_PERIOD=([0-9]{4}-[0-9]{2})', 1) AS billing_period
FROM read_parquet([%s], filename = true, union_by_name = true)`, strings.Join(quoted, ", "))
	if _, err := d.db.ExecContext(ctx, view); err != nil {
		return queryStats{}, err
	}
	args := make([]any, len(q.params))
	for i, p := range q.params {
		v, err := unquote(p)
		if err != nil {
			return queryStats{}, err
		}
		args[i] = v
	}
	rows, err := d.db.QueryContext(ctx, rewriteForDuckDB(q.sql), args...)
	if err != nil {
		return queryStats{}, fmt.Errorf("duckdb: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return queryStats{}, err
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
			return queryStats{}, err
		}
		vals := make([]*string, len(cols))
		for i, v := range raw {
			vals[i] = athenaText(v)
		}
		if err := row(cols, vals); err != nil {
			return queryStats{}, err
		}
	}
	return queryStats{id: "duckdb-bill", charged: true}, rows.Err()
}

// billFixture is line items of every shape the query must treat as the reader does: both
// usage-type styles, product maps with the model under model, servicename or product_name
// (and generic service names to skip), amounts with more decimals than CUR keeps, missing
// principals, items of other services, of other months and of days outside the range.
func billFixture() map[string][]cur.LineItem {
	day := func(d int) time.Time { return time.Date(2025, 11, d, 0, 0, 0, 0, time.UTC) }
	mk := func(d int, ut, product string, amt, cost float64, principal string, p map[string]string) cur.LineItem {
		return cur.LineItem{UsageAccount: "123456789012", LineItemType: "Usage", UsageStart: day(d), ProductCode: product, UsageType: ut,
			Operation: "InvokeModelInference", UsageAmount: amt, UnblendedCost: cost, IAMPrincipal: principal, PricingUnit: "Units",
			RegionCode: "us-east-1", Description: "$3.00 per million input tokens", Product: p}
	}
	claude := map[string]string{"product_name": "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "servicename": "Claude Sonnet 4.5 (Amazon Bedrock Edition)"}
	nova := map[string]string{"product_name": "Amazon Bedrock", "servicename": "Amazon Bedrock", "model": "Nova Lite"}
	generic := map[string]string{"product_name": "Amazon Bedrock", "servicename": " Amazon Bedrock Service "}
	role := "arn:aws:sts::123456789012:assumed-role/ChatbotApp/alice"
	var nov []cur.LineItem
	for d := 1; d <= 16; d++ {
		nov = append(nov,
			mk(d, "USE1-MP:USE1_InputTokenCount-Units", "AmazonBedrockFoundationModels", 0.012345*float64(d), 0.037035*float64(d), role, claude),
			mk(d, "USE1-MP:USE1_InputTokenCount-Units", "AmazonBedrockFoundationModels", 1.0/3, 1.0/7, role, claude),
			mk(d, "USE1-MP:USE1_OutputTokenCount_Global-Units", "AmazonBedrockFoundationModels", 0.0042, 0.063, "", claude),
			mk(d, "USE1-NovaLite-input-tokens", "AmazonBedrock", 1234.5, 0.07407, "arn:aws:iam::123456789012:user/bob", nova),
			mk(d, "USE1-ProvisionedThroughput-ModelUnits", "AmazonBedrock", 24, 480.123456789012, "", generic),
			mk(d, "USE1-BoxUsage:t3.micro", "AmazonEC2", 24, 0.2496, "", map[string]string{"product_name": "Amazon Elastic Compute Cloud"}),
		)
	}
	oct := []cur.LineItem{mk(1, "USE1-MP:USE1_InputTokenCount-Units", "AmazonBedrockFoundationModels", 9, 27, role, claude)}
	oct[0].UsageStart = time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC)
	return map[string][]cur.LineItem{"2025-10": oct, "2025-11": nov}
}

// billSetup writes the fixture's export and returns DuckDB over it and the in-process
// reader's Items for the range.
func billSetup(t *testing.T) (*billDuck, []cur.Item) {
	t.Helper()
	root := t.TempDir()
	var files []string
	for period, items := range billFixture() {
		f := filepath.Join(root, "data", "BILLING_PERIOD="+period, "part-00001.snappy.parquet")
		if err := curtest.Write(f, items, 7); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	local := cur.NewItems()
	if _, skipped, err := cur.ReadFolder(t.Context(), root, billFrom, billUntil, local); err != nil || len(skipped) > 0 {
		t.Fatalf("reading the folder: %v, skipped %q", err, skipped)
	}
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{"SET TimeZone = 'UTC'", "CREATE SCHEMA bedrock_analytics"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	// The in-process reader keeps every day of the files; reconcile keeps the range's, the
	// query selects only those.
	var kept []cur.Item
	for _, it := range local.All() {
		if !it.Day.Before(billFrom) && it.Day.Before(billUntil) {
			kept = append(kept, it)
		}
	}
	return &billDuck{db: db, files: files}, kept
}

var decEq = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// TestBillSQLOnDuckDB: the Athena bill query, run on DuckDB over the same Parquet files,
// yields exactly the Items the in-process reader builds from them.
func TestBillSQLOnDuckDB(t *testing.T) {
	duck, want := billSetup(t)
	got, err := newWithExecutor(Config{}, duck).BillItems(t.Context(), "us-east-1", "cur_bedrock", billFrom, billUntil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.All(), decEq); diff != "" {
		t.Errorf("Athena SQL on DuckDB against the in-process reader (-reader +sql):\n%s", diff)
	}
	// 14 days × 4 Bedrock items (the two Claude input lines of a day are one item).
	if len(want) != 4*14 {
		t.Errorf("%d items, want 4 a day for 14 days", len(want))
	}
	for _, it := range got.All() {
		if it.UsageType == "USE1-MP:USE1_InputTokenCount-Units" && it.Lines != 2 {
			t.Errorf("%s on %s sums %d line items, want 2", it.UsageType, it.Day.Format(time.DateOnly), it.Lines)
		}
	}
}

// TestBillItemsThroughFakeAthena: the bill query as reconcile --engine athena sends it,
// through the SDK's Athena client and Athena's JSON protocol, to a fake that runs it on
// DuckDB: one query, in the export's region, with the same answer.
func TestBillItemsThroughFakeAthena(t *testing.T) {
	duck, want := billSetup(t)
	f, srv := newFakeAthena(t)
	f.pageSize = 10
	f.onStart = func(f *fakeAthena, sqlText string, params []string) {
		if _, err := duck.execute(context.Background(), "us-east-1", querySpec{sql: sqlText, params: params}, func(cols []Column, vals []*string) error {
			f.cols = cols
			f.rows = append(f.rows, vals)
			return nil
		}); err != nil {
			t.Errorf("fake athena: duckdb: %v", err)
		}
	}
	var regions []string
	src := New(Config{Account: "111122223333"}, func(_ context.Context, region string) (API, error) {
		regions = append(regions, region)
		return f.client(srv), nil
	}, fastOptions()...)
	got, err := src.BillItems(t.Context(), "us-east-1", "cur_bedrock", billFrom, billUntil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.All(), decEq); diff != "" {
		t.Errorf("through the Athena API (-reader +athena):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"us-east-1"}, regions); diff != "" || f.count("StartQueryExecution") != 1 {
		t.Errorf("regions queried (-want +got):\n%s; %d queries, want one", diff, f.count("StartQueryExecution"))
	}
	if loc := f.starts[0]["ResultConfiguration"]; !strings.Contains(fmt.Sprint(loc), "bedrock-analytics-111122223333-us-east-1/athena-results/") {
		t.Errorf("result location %v: want the analytics bucket of the export's region", loc)
	}
}
