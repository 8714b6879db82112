package local

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// Dedup remembers the calls a report has counted, by hour and requestId, so that the same
// record read from two sources (a bucket and its replica, two prefixes that overlap, a local
// copy next to the bucket) is counted once. It is shared by the sources of one report and
// safe for concurrent use; a UUID requestId (what Bedrock writes) costs 20 bytes and its map
// entry, any other is kept as its string. Records without a requestId are always counted.
type Dedup struct {
	shards [dedupShards]dedupShard
}

const dedupShards = 64

type dedupShard struct {
	mu    sync.Mutex
	uuids map[uuidKey]struct{}
	other map[otherKey]struct{}
	dups  int64
}

type uuidKey struct {
	hour int32
	id   [16]byte
}

type otherKey struct {
	hour int32
	id   string
}

// NewDedup returns an empty Dedup.
func NewDedup() *Dedup { return &Dedup{} }

// first reports whether this is the first record of requestID in the hour (hours since the
// Unix epoch); a later one is counted as a duplicate.
func (d *Dedup) first(hour int32, requestID string) bool {
	var u [16]byte
	isUUID := parseUUID(requestID, &u)
	h := uint32(hour) * 2654435761
	for i := 0; i < len(requestID); i++ {
		h = h*31 + uint32(requestID[i])
	}
	s := &d.shards[h%dedupShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if isUUID {
		k := uuidKey{hour, u}
		if _, seen := s.uuids[k]; seen {
			s.dups++
			return false
		}
		if s.uuids == nil {
			s.uuids = map[uuidKey]struct{}{}
		}
		s.uuids[k] = struct{}{}
		return true
	}
	k := otherKey{hour, strings.Clone(requestID)}
	if _, seen := s.other[k]; seen {
		s.dups++
		return false
	}
	if s.other == nil {
		s.other = map[otherKey]struct{}{}
	}
	s.other[k] = struct{}{}
	return true
}

// Duplicates is how many records were not counted because their hour and requestId had been.
func (d *Dedup) Duplicates() int64 {
	var n int64
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += s.dups
		s.mu.Unlock()
	}
	return n
}

// parseUUID reads a canonical lower- or upper-case UUID (8-4-4-4-12 hex digits) into u.
func parseUUID(s string, u *[16]byte) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	var b [32]byte
	n := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		b[n] = s[i]
		n++
	}
	_, err := hex.Decode(u[:], b[:])
	// "ABCD…" and "abcd…" decode alike, but are different requestIds: only the lower case
	// (Bedrock's) is packed; another spelling keeps its string.
	return err == nil && strings.ToLower(s) == s
}

// Multi is several Sources read as one: concurrently, their rows merged into one report, the
// same record in two of them counted once (each Usage call's sources share a new Dedup). A
// source that fails is a failed part of the report (Result.Failures, like a failed Athena
// region) and the others still answer; when all fail, Usage fails. It is safe for
// concurrent use, as Source is.
type Multi struct {
	parts []multiPart
}

type multiPart struct {
	name string
	src  *Source
	err  error // the source could not be opened
}

var _ analytics.Source = (*Multi)(nil)

// NewMulti opens a Source for each root with opts. A root that cannot be
// opened (a folder that is not there, a bucket whose region cannot be found) is kept as a
// failed part, unless every root fails.
func NewMulti(ctx context.Context, roots []string, opts ...Option) (*Multi, error) {
	m := &Multi{}
	var errs []error
	for _, r := range roots {
		src, err := New(ctx, r, opts...)
		if err != nil {
			errs = append(errs, err)
		}
		m.parts = append(m.parts, multiPart{name: r, src: src, err: err})
	}
	if len(errs) == len(roots) {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Usage reads every source concurrently and merges their answers; the scan figures are
// summed, and "duplicates" says how many records two sources both held.
func (m *Multi) Usage(ctx context.Context, q analytics.Query) (*analytics.Result, error) {
	dedup := NewDedup()
	results := make([]*analytics.Result, len(m.parts))
	errs := make([]error, len(m.parts))
	var wg sync.WaitGroup
	for i, p := range m.parts {
		if p.err != nil {
			errs[i] = p.err
			continue
		}
		wg.Go(func() { results[i], errs[i] = p.src.usage(ctx, q, dedup) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var memErr *MemoryError
	for _, err := range errs {
		if errors.As(err, &memErr) {
			return nil, err // a report too large for the machine is not a failed part
		}
	}
	var ok []*analytics.Result
	var failures []analytics.PartError
	for i, r := range results {
		if errs[i] != nil {
			failures = append(failures, analytics.PartError{Region: m.parts[i].name, Err: errs[i]})
			continue
		}
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("local: every source failed: %w", errors.Join(errs...))
	}
	res := analytics.MergeResults(q, ok...)
	res.Failures = append(res.Failures, failures...)
	res.Scan.Figures = append(res.Scan.Figures, analytics.Figure{Name: "sources", N: int64(len(m.parts))},
		analytics.Figure{Name: "duplicates", N: dedup.Duplicates()})
	res.Scan.Summary += analytics.MultiSummary
	return res, nil
}
