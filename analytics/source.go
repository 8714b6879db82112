package analytics

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Source answers a Query with usage rows at the grain. analytics/local (files or S3) and
// analytics/athena implement it; both return the same rows for the same logs.
type Source interface {
	Usage(ctx context.Context, q Query) (*Result, error)
}

// Result is a Source's answer.
type Result struct {
	// Rows at the grain, in SortRows order, already filtered by the query.
	Rows []Row
	// Skipped is what the source could not read, counted by reason.
	Skipped invocationlog.Skipped
	// Failures are regions (or other parts) that failed while others succeeded.
	Failures []PartError
	Stats    Stats
}

// PartError is a failed part of a query (one region of an Athena report).
type PartError struct {
	Region string
	Err    error
}

func (e PartError) Error() string { return fmt.Sprintf("%s: %v", e.Region, e.Err) }
func (e PartError) Unwrap() error { return e.Err }

// Stats describe the work a source did.
type Stats struct {
	Engine string
	// Local engine.
	Files      int64 // log files decoded
	Bytes      int64 // bytes read (compressed, as stored)
	Records    int64 // log records decoded, in range or not
	OutOfRange int64 // records outside the time range (read from the hour after it)
	// Athena engine.
	Queries      int
	BytesScanned int64
	// QueryCostUSD is the Athena charge for the queries: $5 per TB scanned, 10 MB minimum
	// per query.
	QueryCostUSD decimal.Decimal
}
