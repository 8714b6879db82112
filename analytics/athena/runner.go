package athena

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// API is the part of the Athena API the engine calls.
type API interface {
	StartQueryExecution(ctx context.Context, in *awsathena.StartQueryExecutionInput, optFns ...func(*awsathena.Options)) (*awsathena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *awsathena.GetQueryExecutionInput, optFns ...func(*awsathena.Options)) (*awsathena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *awsathena.GetQueryResultsInput, optFns ...func(*awsathena.Options)) (*awsathena.GetQueryResultsOutput, error)
	StopQueryExecution(ctx context.Context, in *awsathena.StopQueryExecutionInput, optFns ...func(*awsathena.Options)) (*awsathena.StopQueryExecutionOutput, error)
}

var _ API = (*awsathena.Client)(nil)

// ObjectGetter reads a query's result file from S3.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ ObjectGetter = (*s3.Client)(nil)

// QueryError is a query that Athena ended as FAILED or CANCELLED, with Athena's reason.
type QueryError struct {
	Region           string
	QueryExecutionID string
	State            string // FAILED or CANCELLED
	Reason           string // Status.StateChangeReason
	// ErrorType and ErrorCategory are Status.AthenaError's codes when Athena gives them
	// (category 1 system, 2 user, 3 other).
	ErrorType, ErrorCategory int32
}

func (e *QueryError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "no reason given"
	}
	msg := fmt.Sprintf("athena query %s in %s %s: %s", e.QueryExecutionID, e.Region, e.State, reason)
	if hint := e.Hint(); hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

// Hint says what to do about a failure the engine recognises, or "".
func (e *QueryError) Hint() string {
	// The Glue table of a stack deployed before the response body became a column has no
	// output.outputbodyjson: the query names it, and Athena cannot resolve it.
	if strings.Contains(strings.ToLower(e.Reason), "outputbodyjson") {
		return "the Glue table predates the response-body column this version reads; run cdk deploy with this version's CDK app to update the table (no data moves)"
	}
	return ""
}

// ErrQueryTimeout is wrapped by the error of a query that ran past WithQueryTimeout; it was
// stopped.
var ErrQueryTimeout = errors.New("athena query timed out")

// querySpec is one query to run in each region.
type querySpec struct {
	sql    string
	params []string
	reuse  bool // ask for result reuse
}

// queryStats is what one region's query cost.
type queryStats struct {
	id           string
	bytesScanned int64
	reused       bool
	// charged is true for queries Athena bills: those that succeeded, and those cancelled
	// or stopped after they started scanning. Failed queries are not charged.
	charged bool
}

// cost is the query's Athena charge.
func (q queryStats) cost() decimal.Decimal {
	if !q.charged {
		return decimal.Zero
	}
	return QueryCost(q.bytesScanned, q.reused)
}

// rowFunc receives each result row with the result's columns; nil values are NULL.
type rowFunc func(cols []Column, vals []*string) error

// executor runs the usage query in one region. The Athena runner is the real one; the tests
// also run the same SQL on DuckDB through it.
type executor interface {
	execute(ctx context.Context, region string, q querySpec, row rowFunc) (queryStats, error)
}

// runner runs queries with the Athena API.
type runner struct {
	cfg              Config
	clientFor        func(ctx context.Context, region string) (API, error)
	s3For            func(ctx context.Context, region string) (ObjectGetter, error)
	pollMin, pollMax time.Duration
	timeout          time.Duration
	stopTimeout      time.Duration
	reuseMaxAge      int32
	largeRows        int
	pageSize         int32
	resultsPrefix    string
}

var _ executor = (*runner)(nil)

func (r *runner) execute(ctx context.Context, region string, q querySpec, row rowFunc) (queryStats, error) {
	var st queryStats
	client, err := r.clientFor(ctx, region)
	if err != nil {
		return st, fmt.Errorf("athena client: %w", err)
	}
	id, err := r.start(ctx, client, region, q)
	if err != nil {
		return st, err
	}
	st.id = id
	qe, err := r.wait(ctx, client, region, id)
	if qe != nil && qe.Statistics != nil {
		st.bytesScanned = aws.ToInt64(qe.Statistics.DataScannedInBytes)
		if ri := qe.Statistics.ResultReuseInformation; ri != nil {
			st.reused = ri.ReusedPreviousResult
		}
	}
	var qerr *QueryError
	st.charged = err == nil || errors.Is(err, ErrQueryTimeout) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &qerr) && qerr.State == string(types.QueryExecutionStateCancelled))
	if err != nil {
		return st, err
	}
	outLoc := ""
	if qe.ResultConfiguration != nil {
		outLoc = aws.ToString(qe.ResultConfiguration.OutputLocation)
	}
	return st, r.results(ctx, client, region, id, outLoc, row)
}

// start starts the query. Throttling (the concurrent-query limit, mostly) is retried by the
// client's retryer (NewRetryer), with the same client request token.
func (r *runner) start(ctx context.Context, client API, region string, q querySpec) (string, error) {
	in := &awsathena.StartQueryExecutionInput{
		QueryString: aws.String(q.sql),
		// The same token on every retry: a start that reached Athena is not started twice.
		ClientRequestToken: aws.String(uuid.NewString()),
		WorkGroup:          aws.String(r.cfg.Workgroup),
		QueryExecutionContext: &types.QueryExecutionContext{
			Catalog:  aws.String("AwsDataCatalog"),
			Database: aws.String(r.cfg.Database),
		},
	}
	if len(q.params) > 0 {
		in.ExecutionParameters = q.params
	}
	if r.cfg.Account != "" {
		in.ResultConfiguration = &types.ResultConfiguration{
			OutputLocation: aws.String("s3://" + deployment.AnalyticsBucketName(r.cfg.Account, region) + "/" + r.resultsPrefix),
		}
	}
	if q.reuse {
		in.ResultReuseConfiguration = &types.ResultReuseConfiguration{
			ResultReuseByAgeConfiguration: &types.ResultReuseByAgeConfiguration{
				Enabled:         true,
				MaxAgeInMinutes: aws.Int32(r.reuseMaxAge),
			},
		}
	}
	out, err := client.StartQueryExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("start query: %w", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	if id == "" {
		return "", fmt.Errorf("start query: Athena returned no query execution id")
	}
	return id, nil
}

// wait polls the query until it ends. On ctx cancellation or the query timeout it stops the
// query.
func (r *runner) wait(ctx context.Context, client API, region, id string) (*types.QueryExecution, error) {
	deadline := time.Now().Add(r.timeout)
	delay := r.pollMin
	for {
		out, err := client.GetQueryExecution(ctx, &awsathena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			// Whatever went wrong, do not leave the query scanning unwatched.
			r.stop(ctx, client, id)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("athena query %s in %s stopped: %w", id, region, ctx.Err())
			}
			return nil, fmt.Errorf("athena query %s: get status (query stopped): %w", id, err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return nil, fmt.Errorf("athena query %s: status missing from GetQueryExecution", id)
		}
		switch qe.Status.State {
		case types.QueryExecutionStateSucceeded:
			return qe, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			e := &QueryError{Region: region, QueryExecutionID: id, State: string(qe.Status.State), Reason: aws.ToString(qe.Status.StateChangeReason)}
			if ae := qe.Status.AthenaError; ae != nil {
				e.ErrorType, e.ErrorCategory = aws.ToInt32(ae.ErrorType), aws.ToInt32(ae.ErrorCategory)
				if e.Reason == "" {
					e.Reason = aws.ToString(ae.ErrorMessage)
				}
			}
			return qe, e
		}
		if !time.Now().Before(deadline) {
			r.stop(ctx, client, id)
			return qe, fmt.Errorf("athena query %s in %s ran longer than %s and was stopped: %w", id, region, r.timeout, ErrQueryTimeout)
		}
		timer := time.NewTimer(min(delay, time.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			r.stop(ctx, client, id)
			return qe, fmt.Errorf("athena query %s in %s stopped: %w", id, region, ctx.Err())
		case <-timer.C:
		}
		delay = min(delay*2, r.pollMax)
	}
}

// stop asks Athena to stop a query, even though ctx may be done.
func (r *runner) stop(ctx context.Context, client API, id string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.stopTimeout)
	defer cancel()
	// Best effort: the query's own error is what the caller reports.
	_, _ = client.StopQueryExecution(sctx, &awsathena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
}

// results reads every result row. It pages through GetQueryResults; once the result is
// known to be larger than largeRows and an S3 client is configured, it reads the result CSV
// from S3 instead (one GET instead of a call per 1000 rows).
func (r *runner) results(ctx context.Context, client API, region, id, outLoc string, row rowFunc) error {
	var (
		cols     []Column
		buffered [][]*string
		seen     int
		token    *string
		first    = true
		stream   = false // rows go straight to row once we know S3 will not be used
	)
	for {
		out, err := client.GetQueryResults(ctx, &awsathena.GetQueryResultsInput{
			QueryExecutionId: aws.String(id),
			MaxResults:       aws.Int32(r.pageSize),
			NextToken:        token,
		})
		if err != nil {
			return fmt.Errorf("athena query %s: get results: %w", id, err)
		}
		rs := out.ResultSet
		if rs == nil {
			return fmt.Errorf("athena query %s: result page without a result set", id)
		}
		rows := rs.Rows
		if first {
			if rs.ResultSetMetadata == nil {
				return fmt.Errorf("athena query %s: first result page without column metadata", id)
			}
			for _, ci := range rs.ResultSetMetadata.ColumnInfo {
				cols = append(cols, Column{Name: aws.ToString(ci.Name), Type: aws.ToString(ci.Type)})
			}
			// The first row of the first page is the header.
			if len(rows) > 0 {
				rows = rows[1:]
			}
			first = false
		}
		for _, rw := range rows {
			vals := make([]*string, len(rw.Data))
			for i, d := range rw.Data {
				vals[i] = d.VarCharValue
			}
			if stream {
				if err := row(cols, vals); err != nil {
					return fmt.Errorf("athena query %s: %w", id, err)
				}
				continue
			}
			buffered = append(buffered, vals)
		}
		seen += len(rows)
		token = out.NextToken
		if token == nil || *token == "" {
			break
		}
		if !stream && seen >= r.largeRows {
			if r.s3For != nil && outLoc != "" {
				return r.resultsCSV(ctx, region, id, outLoc, cols, row)
			}
			stream = true
			for _, vals := range buffered {
				if err := row(cols, vals); err != nil {
					return fmt.Errorf("athena query %s: %w", id, err)
				}
			}
			buffered = nil
		}
	}
	if first {
		return fmt.Errorf("athena query %s: no result pages", id)
	}
	for _, vals := range buffered {
		if err := row(cols, vals); err != nil {
			return fmt.Errorf("athena query %s: %w", id, err)
		}
	}
	return nil
}

// resultsCSV reads the result file Athena wrote to outLoc (s3://bucket/key.csv): a header
// line, then one line per row with every value double-quoted; SQL NULL is an empty field
// without quotes. encoding/csv cannot tell the two apart, so an empty field is NULL for
// every type but varchar (the usage query returns no NULL varchar).
func (r *runner) resultsCSV(ctx context.Context, region, id, outLoc string, cols []Column, row rowFunc) error {
	u, err := url.Parse(outLoc)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.Path == "" {
		return fmt.Errorf("athena query %s: result location %q is not an s3:// object", id, outLoc)
	}
	bucket, key := u.Host, strings.TrimPrefix(u.Path, "/")
	s3c, err := r.s3For(ctx, region)
	if err != nil {
		return fmt.Errorf("athena query %s: s3 client: %w", id, err)
	}
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("athena query %s: read result %s: %w", id, outLoc, err)
	}
	defer obj.Body.Close()
	cr := csv.NewReader(obj.Body)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("athena query %s: result %s: header: %w", id, outLoc, err)
	}
	if len(header) != len(cols) {
		return fmt.Errorf("athena query %s: result %s has %d columns, metadata %d", id, outLoc, len(header), len(cols))
	}
	for i, h := range header {
		if !strings.EqualFold(h, cols[i].Name) {
			return fmt.Errorf("athena query %s: result %s column %d is %q, metadata says %q", id, outLoc, i+1, h, cols[i].Name)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("athena query %s: result %s line %d: %w", id, outLoc, line, err)
		}
		vals := make([]*string, len(rec))
		for i, f := range rec {
			if f == "" && !strings.HasPrefix(strings.ToLower(cols[i].Type), "varchar") {
				continue // NULL
			}
			vals[i] = aws.String(f)
		}
		if err := row(cols, vals); err != nil {
			return fmt.Errorf("athena query %s: %s line %d: %w", id, outLoc, line, err)
		}
	}
}
