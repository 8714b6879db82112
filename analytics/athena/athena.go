// Package athena is the distributed engine: it answers an analytics.Query with one GROUP BY
// query per region over the partition-projected Glue table of invocation logs that the
// bedrock-usage CDK app creates, and returns the same rows as the local engine.
//
// The SQL prunes the hour partition (dt) to exactly the delivery hours of the range
// (invocationlog.Hours), filters each record on its own timestamp, leaves out data/ body
// objects, counts lines that are not usage records (other record types, lines the SerDe
// cannot parse, unparseable timestamps) as skipped, and sums calls and tokens at the grain
// of analytics.Key, with
// the caller's identity ARN as a column. The Go side turns each result row into a Key with
// analytics.KeyFor, so principal, app and user are derived by the same code in both
// engines, and applies Query.Match again, so filters pushed into SQL can never change the
// answer. User values reach Athena only as execution parameters.
package athena

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// Engine is this engine's name (--engine athena, analytics.Scan.Engine).
const Engine = "athena"

// Defaults of Config: the names the CDK app deploys (package deployment).
const (
	DefaultWorkgroup = deployment.WorkGroupName
	DefaultDatabase  = deployment.DatabaseName
	DefaultTable     = deployment.TableName
)

// DefaultRegions are the regions queried when neither the query nor the Config names any.
var DefaultRegions = deployment.DefaultRegions()

// Config says where the Glue table and the Athena workgroup are. Empty fields take the
// defaults above.
type Config struct {
	Workgroup string // default "bedrock-usage"
	Database  string // default "bedrock_analytics"
	Table     string // default "bedrock_invocation_logs"
	// Account, when set, sets each query's result location to the analytics bucket
	// s3://bedrock-analytics-{account}-{region}/athena-results/. When empty the workgroup's
	// result location is used (the CDK app's workgroup enforces that same location anyway).
	Account string
	// Regions are queried when the query names none; default DefaultRegions.
	Regions []string
}

func (c Config) withDefaults() Config {
	if c.Workgroup == "" {
		c.Workgroup = DefaultWorkgroup
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if len(c.Regions) == 0 {
		c.Regions = DefaultRegions
	}
	return c
}

// Source is the Athena engine. It implements analytics.Source.
type Source struct {
	cfg  Config
	exec executor
	run  *runner // the Athena runner (exec), which options configure
	now  func() time.Time
}

var _ analytics.Source = (*Source)(nil)

// New returns the Athena engine. clientFor returns the Athena client of a region (an
// *athena.Client from aws-sdk-go-v2 satisfies API; ClientsFromConfig builds one from an AWS
// configuration); it is called once per region and query.
func New(cfg Config, clientFor func(ctx context.Context, region string) (API, error), opts ...Option) *Source {
	r := &runner{
		clientFor:     clientFor,
		pollMin:       250 * time.Millisecond,
		pollMax:       5 * time.Second,
		timeout:       30 * time.Minute,
		reuseMaxAge:   ReuseMaxAge,
		largeRows:     10_000,
		pageSize:      1000,
		stopTimeout:   10 * time.Second,
		resultsPrefix: deployment.ResultsPrefix,
	}
	s := &Source{cfg: cfg.withDefaults(), exec: r, run: r, now: time.Now}
	r.cfg = s.cfg
	for _, o := range opts {
		o(s)
	}
	return s
}

// newWithExecutor is New with another executor (the tests' DuckDB one).
func newWithExecutor(cfg Config, exec executor) *Source {
	return &Source{cfg: cfg.withDefaults(), exec: exec, now: time.Now}
}

// Option configures a Source.
type Option func(*Source)

// WithS3 lets the engine read large results as the CSV file Athena writes to S3 instead of
// paging through GetQueryResults; s3For returns the S3 client of a region (*s3.Client
// satisfies ObjectGetter; S3FromConfig builds one).
func WithS3(s3For func(ctx context.Context, region string) (ObjectGetter, error)) Option {
	return func(s *Source) { s.run.s3For = s3For }
}

// WithLargeResult sets the number of result rows above which a result is read from S3
// (when WithS3 is given); default 10,000.
func WithLargeResult(rows int) Option {
	return func(s *Source) { s.run.largeRows = rows }
}

// WithPageSize sets the GetQueryResults page size, 1 to 1000 (the default and Athena's limit).
func WithPageSize(n int32) Option {
	return func(s *Source) {
		if n >= 1 && n <= 1000 {
			s.run.pageSize = n
		}
	}
}

// WithPolling sets the GetQueryExecution polling backoff: it starts at min and doubles up to
// max (defaults 250ms and 5s).
func WithPolling(min, max time.Duration) Option {
	return func(s *Source) {
		if min > 0 && max >= min {
			s.run.pollMin, s.run.pollMax = min, max
		}
	}
}

// WithQueryTimeout bounds each query's run; at the limit it is stopped with
// StopQueryExecution and the region fails with ErrQueryTimeout. Default 30 minutes.
func WithQueryTimeout(d time.Duration) Option {
	return func(s *Source) {
		if d > 0 {
			s.run.timeout = d
		}
	}
}

// WithNow sets the clock that decides whether a range is old enough for result reuse.
func WithNow(now func() time.Time) Option {
	return func(s *Source) { s.now = now }
}

// ReuseAfter is how long after a range's end its logs are complete: records are delivered
// up to an hour after their own hour. Queries over ranges that ended longer ago than this
// ask Athena to reuse a previous identical query's result of up to ReuseMaxAge.
const ReuseAfter = 2 * time.Hour

// ReuseMaxAge is the oldest previous result a query may reuse, in minutes.
const ReuseMaxAge = 60

// SQL returns the query text that runs in every region and its execution parameters (SQL
// literals, in placeholder order), for q. It calls no AWS API (--print-sql).
func (s *Source) SQL(q analytics.Query) (string, []string, error) {
	return buildSQL(s.cfg.Database, s.cfg.Table, q)
}

// Regions returns the regions a query runs in: the query's, else the Config's, else
// DefaultRegions.
func (s *Source) Regions(q analytics.Query) []string {
	if len(q.Regions) > 0 {
		return q.Regions
	}
	return s.cfg.Regions
}

// Usage runs the query in every region concurrently and merges the rows. A region that
// fails is reported in Result.Failures and the others are still returned; when every region
// fails, Usage returns an error.
func (s *Source) Usage(ctx context.Context, q analytics.Query) (*analytics.Result, error) {
	text, params, err := s.SQL(q)
	if err != nil {
		return nil, fmt.Errorf("athena: %w", err)
	}
	regions := slices.Compact(slices.Sorted(slices.Values(s.Regions(q))))
	spec := querySpec{sql: text, params: params, reuse: s.now().Sub(q.Until) >= ReuseAfter}

	type part struct {
		region string
		agg    *analytics.Aggregator
		skip   invocationlog.Skipped
		stats  queryStats
		err    error
	}
	parts := make([]part, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			p := part{region: region, agg: analytics.NewAggregator(q)}
			rs := newRowSink(q, region, p.agg, &p.skip)
			p.stats, p.err = s.exec.execute(ctx, region, spec, rs.add)
			parts[i] = p
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("athena: %w", err)
	}

	res := &analytics.Result{}
	var queries, scanned int64
	cost := decimal.Zero
	all := analytics.NewAggregator(q)
	var errs []error
	for _, p := range parts {
		if p.stats.id != "" {
			queries++
			scanned += p.stats.bytesScanned
			cost = cost.Add(p.stats.cost())
		}
		if p.err != nil {
			pe := analytics.PartError{Region: p.region, Err: p.err}
			res.Failures = append(res.Failures, pe)
			errs = append(errs, pe)
			continue
		}
		all.Merge(p.agg)
		res.Skipped.Merge(p.skip)
	}
	res.Scan = analytics.Scan{
		Engine:  Engine,
		Summary: "Athena: {queries} queries, {bytes_scanned} scanned, query cost {query_cost_usd}",
		Figures: []analytics.Figure{
			{Name: "queries", N: queries},
			{Name: "bytes_scanned", Kind: analytics.FigureBytes, N: scanned},
			{Name: "query_cost_usd", Kind: analytics.FigureUSD, USD: cost},
		},
	}
	if len(errs) == len(parts) {
		return nil, fmt.Errorf("athena: every region failed: %w", errors.Join(errs...))
	}
	if err := all.Err(); err != nil {
		return nil, fmt.Errorf("athena: %w", err)
	}
	res.Rows = all.Rows()
	return res, nil
}

// bytesPerTB and the 10 MB minimum define Athena's charge: $5 per TB scanned, each query
// rounded up to a whole MB with a 10 MB minimum. AWS does not say whether its MB is decimal
// or binary; the binary one (1,048,576 bytes) is used, which is the larger minimum.
const (
	bytesPerTB   = 1_000_000_000_000
	bytesPerMB   = 1 << 20
	minBilledMB  = 10
	dollarsPerTB = 5
)

// QueryCost is the Athena charge of one query that scanned bytes: rounded up to a whole MB,
// at least 10 MB, at $5 per TB. A query answered from reused results is free.
func QueryCost(bytes int64, reused bool) decimal.Decimal {
	if reused || bytes < 0 {
		return decimal.Zero
	}
	mb := (bytes + bytesPerMB - 1) / bytesPerMB
	mb = max(mb, minBilledMB)
	return decimal.NewFromInt(mb * bytesPerMB).Mul(decimal.NewFromInt(dollarsPerTB)).Div(decimal.NewFromInt(bytesPerTB))
}
