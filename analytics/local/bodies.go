package local

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Offloaded bodies. Bedrock writes a request or response body too large for the record to a
// data/ object of the hour folder and puts its s3:// URL in outputBodyS3Path; such a record's
// cache writes are of unknown TTL. WithFetchBodies reads the response objects of those
// records (the ones with cache writes only) after the scan, with the fetchers' concurrency
// and up to a maximum count, and resolves their split with the rule of a logged body.

// DefaultFetchBodiesMax is the default most body objects one report reads.
const DefaultFetchBodiesMax = 10000

// maxBodyObject bounds what one body object may expand to (gzip bombs are cut off there
// and count as failed).
const maxBodyObject = 256 << 20

// WithFetchBodies reads up to max offloaded response bodies (max <= 0: DefaultFetchBodiesMax)
// of the records whose cache-write TTL they would resolve.
func WithFetchBodies(max int) Option {
	return func(s *Source) {
		if max <= 0 {
			max = DefaultFetchBodiesMax
		}
		s.fetchBodies = max
	}
}

// pendingBody is one call held back until its body object is read.
type pendingBody struct {
	row  analytics.Row
	url  string // outputBodyS3Path
	base string // for a folder source: the local path up to the layout's AWSLogs/ part
}

// bodyFetch collects the calls to resolve, across workers.
type bodyFetch struct {
	max     int
	claimed atomic.Int64
	overMax atomic.Int64 // calls left unresolved because max was reached
}

// claim reports whether one more body may be fetched.
func (b *bodyFetch) claim() bool {
	if b.claimed.Add(1) <= int64(b.max) {
		return true
	}
	b.claimed.Add(-1)
	b.overMax.Add(1)
	return false
}

// wantsBody reports whether the call's body object could resolve its cache writes.
func wantsBody(rec *invocationlog.Record, row analytics.Row) bool {
	return rec.Output.OutputBodyS3Path != "" && row.Measures.Calls == 1 && row.CacheWriteUnknownTTLTokens > 0
}

// layoutBase is the part of a local file's path before the log layout's AWSLogs/ folder, or
// "" when the path is not under the layout.
func layoutBase(path string) string {
	p := filepath.ToSlash(path)
	if i := strings.LastIndex(p, "/AWSLogs/"); i >= 0 {
		return p[:i+1]
	}
	if strings.HasPrefix(p, "AWSLogs/") {
		return "./"
	}
	return ""
}

// errNoLocalBody is why a folder source cannot find a body object.
var errNoLocalBody = errors.New("the log file is not under the AWSLogs/ layout, so the body object's place in the folder is unknown")

// openBody opens a body object: from S3 for an s3:// source, else from the folder the log
// file came from (the object's key from its AWSLogs/ part on, below the same base).
func (s *Source) openBody(ctx context.Context, p pendingBody) (io.ReadCloser, error) {
	bucket, key, ok := parseS3URL(p.url)
	if !ok || bucket == "" || key == "" {
		return nil, fmt.Errorf("outputBodyS3Path %q is not an s3:// URL", p.url)
	}
	if s.client != nil {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		return out.Body, nil
	}
	i := strings.Index(key, "AWSLogs/")
	if p.base == "" || i < 0 {
		return nil, errNoLocalBody
	}
	return os.Open(filepath.FromSlash(p.base + key[i:]))
}

// readBody reads a body object, gunzipping it when it is gzipped, up to maxBodyObject bytes.
func readBody(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, maxBodyObject+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBodyObject {
		return nil, fmt.Errorf("larger than %d MiB", maxBodyObject>>20)
	}
	return bytes.TrimSpace(data), nil
}

// resolveBodies reads the body objects of pending calls and adds every call to agg,
// resolved or not. It returns the figures of what it did and a sample of failures.
func (s *Source) resolveBodies(ctx context.Context, pending []pendingBody, agg *analytics.Aggregator, overMax int64) ([]analytics.Figure, []invocationlog.Skip) {
	var mu sync.Mutex
	var resolved, failed, unresolved int64
	var failures []invocationlog.Skip
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.fetchers, max(len(pending), 1)) {
		wg.Go(func() {
			for i := range jobs {
				p := &pending[i]
				split, err := s.fetchSplit(ctx, *p)
				mu.Lock()
				switch {
				case err != nil:
					failed++
					if len(failures) < 5 {
						failures = append(failures, invocationlog.Skip{File: p.url, Detail: err.Error()})
					}
				case p.row.Measures.ResolveCacheTTL(split):
					resolved++
				default:
					unresolved++
				}
				agg.AddRow(p.row)
				mu.Unlock()
			}
		})
	}
	for i := range pending {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	figs := []analytics.Figure{
		{Name: "bodies_fetched", N: int64(len(pending)) - failed},
		{Name: "bodies_resolved", N: resolved},
		{Name: "bodies_unresolved", N: unresolved},
		{Name: "bodies_failed", N: failed},
		{Name: "bodies_over_limit", N: overMax},
	}
	return figs, failures
}

// fetchSplit reads one body object's cache-TTL split.
func (s *Source) fetchSplit(ctx context.Context, p pendingBody) (invocationlog.CacheTTL, error) {
	rc, err := s.openBody(ctx, p)
	if err != nil {
		return invocationlog.CacheTTL{}, err
	}
	defer rc.Close()
	body, err := readBody(rc)
	if err != nil {
		return invocationlog.CacheTTL{}, err
	}
	return invocationlog.BodyCacheTTL(body)
}
