package local

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

const testBucket = "bedrock-logs-123456789012-us-east-1"

// request is one request the fake S3 server saw.
type request struct {
	method, key, prefix, delimiter string
	authorization                  string
	rng, token                     string // Range header, continuation-token
}

// fakeS3 is gofakes3 behind an httptest server that records requests and can inject faults.
type fakeS3 struct {
	srv *httptest.Server

	mu   sync.Mutex
	reqs []request
	// fault, when set, answers a request instead of gofakes3 (status 0: pass through).
	fault func(r request) (status int, code string)
	// header is added to every response.
	header http.Header
	// cut, when it returns n > 0 for a GET, sends the object's headers and first n bytes
	// and drops the connection.
	cut func(r request) int
	// pageSize, when above 0, caps every listing page at that many keys (S3 caps at 1,000),
	// so that listings page.
	pageSize int
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{}
	h := gofakes3.New(s3mem.New()).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		rq := request{method: r.Method, key: key, prefix: r.URL.Query().Get("prefix"), delimiter: r.URL.Query().Get("delimiter"), authorization: r.Header.Get("Authorization"),
			rng: r.Header.Get("Range"), token: r.URL.Query().Get("continuation-token")}
		f.mu.Lock()
		f.reqs = append(f.reqs, rq)
		fault := f.fault
		for k, v := range f.header {
			w.Header()[k] = v
		}
		f.mu.Unlock()
		if f.cut != nil && r.Method == http.MethodGet {
			if n := f.cut(rq); n > 0 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes()[:min(n, rec.Body.Len())])
				w.(http.Flusher).Flush()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		if fault != nil {
			if status, code := fault(rq); status != 0 {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(status)
				if r.Method != http.MethodHead {
					w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected</Message></Error>`))
				}
				return
			}
		}
		if f.pageSize > 0 && r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2" {
			f.listPage(w, r, h)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// listResult is what listPage reads of gofakes3's (whole) ListObjectsV2 answer.
type listResult struct {
	Name, Prefix, Delimiter string
	Contents                []struct {
		Key   string
		Inner string `xml:",innerxml"`
	}
	CommonPrefixes []struct {
		Prefix string
	}
}

// listPage answers a ListObjectsV2 with pages of pageSize entries (keys and common prefixes
// in key order, as S3 counts them), continued by an opaque token: gofakes3's own paging
// repeats keys under a prefix. The entries come from gofakes3's answer for the whole listing.
func (f *fakeS3) listPage(w http.ResponseWriter, r *http.Request, h http.Handler) {
	q := r.URL.Query()
	start := 0
	if tok := q.Get("continuation-token"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-at-"))
		if err != nil {
			http.Error(w, "bad token", http.StatusBadRequest)
			return
		}
		start = n
	}
	q.Del("continuation-token")
	q.Del("max-keys")
	r.URL.RawQuery = q.Encode()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var all listResult
	if err := xml.Unmarshal(rec.Body.Bytes(), &all); err != nil || rec.Code != http.StatusOK {
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	type entry struct{ key, xml string }
	var entries []entry
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	for _, c := range all.Contents {
		entries = append(entries, entry{c.Key, "<Contents>" + c.Inner + "</Contents>"})
	}
	for _, p := range all.CommonPrefixes {
		entries = append(entries, entry{p.Prefix, "<CommonPrefixes><Prefix>" + esc(p.Prefix) + "</Prefix></CommonPrefixes>"})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	end := min(start+f.pageSize, len(entries))
	start = min(start, end)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	b.WriteString("<Name>" + esc(all.Name) + "</Name><Prefix>" + esc(all.Prefix) + "</Prefix><Delimiter>" + esc(all.Delimiter) + "</Delimiter>")
	b.WriteString("<MaxKeys>" + strconv.Itoa(f.pageSize) + "</MaxKeys><KeyCount>" + strconv.Itoa(end-start) + "</KeyCount>")
	if end < len(entries) {
		b.WriteString("<IsTruncated>true</IsTruncated><NextContinuationToken>page-at-" + strconv.Itoa(end) + "</NextContinuationToken>")
	} else {
		b.WriteString("<IsTruncated>false</IsTruncated>")
	}
	for _, e := range entries[start:end] {
		b.WriteString(e.xml)
	}
	b.WriteString("</ListBucketResult>")
	w.Header().Set("Content-Type", "application/xml")
	w.Write([]byte(b.String()))
}

// options point a client at the fake. Its retryer is the SDK's standard retryer, as in
// production (3 attempts, the retry quota, the same retryable errors), with the backoff
// between attempts taken out so that tests do not sleep.
func (f *fakeS3) options(o *s3.Options) {
	o.BaseEndpoint = aws.String(f.srv.URL)
	o.UsePathStyle = true
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func (f *fakeS3) config() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
}

func (f *fakeS3) client() *s3.Client { return s3.NewFromConfig(f.config(), f.options) }

func (f *fakeS3) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := slices.Clone(f.reqs)
	f.reqs = nil
	return r
}

// upload creates the bucket and puts every file under prefix.
func (f *fakeS3) upload(t *testing.T, prefix string, files []file) {
	t.Helper()
	c := f.client()
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i].fill(t)
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(prefix + files[i].rel), Body: bytes.NewReader(files[i].data)})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.requests()
}

func TestS3(t *testing.T) {
	fk := newFakeS3(t)
	files := testTree(t)
	fk.upload(t, "bedrock-logs/", append(slices.Clone(files), looseFiles(t)...))
	regionDir := "bedrock-logs/AWSLogs/" + testAccount + "/BedrockModelInvocationLogs/us-east-1"
	onlyUSEast1 := func(fs []file) []file {
		var out []file
		for _, f := range fs {
			if f.region == "us-east-1" {
				out = append(out, f)
			}
		}
		return out
	}
	onlyDay := func(fs []file) []file {
		var out []file
		for _, f := range onlyUSEast1(fs) {
			if strings.HasPrefix(f.hour, "2025-11-03") {
				out = append(out, f)
			}
		}
		return out
	}
	prefixes := []struct {
		name, url string
		files     func([]file) []file
	}{
		{"prefix without slash", "s3://" + testBucket + "/bedrock-logs", nil},
		{"prefix with slash", "s3://" + testBucket + "/bedrock-logs/", nil},
		{"AWSLogs", "s3://" + testBucket + "/bedrock-logs/AWSLogs/", nil},
		{"account", "s3://" + testBucket + "/bedrock-logs/AWSLogs/" + testAccount, nil},
		{"region folder", "s3://" + testBucket + "/" + regionDir + "/", onlyUSEast1},
		{"day folder", "s3://" + testBucket + "/" + regionDir + "/2025/11/03", onlyDay},
	}
	for _, p := range prefixes {
		t.Run(p.name, func(t *testing.T) {
			src, err := New(t.Context(), p.url, WithS3Client(fk.client()), WithWorkers(4), WithListers(3))
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range queryCases() {
				t.Run(tc.name, func(t *testing.T) {
					res, err := src.Usage(t.Context(), tc.q)
					if err != nil {
						t.Fatal(err)
					}
					fs := files
					if p.files != nil {
						fs = p.files(files)
					}
					check(t, res, tc.q, expect(fs, tc.q))
				})
			}
		})
	}
}

// TestS3ListsOnlyHoursInRange records every request: account and region discovery with
// delimiter listings, then one listing per hour prefix in range (and the hour after; a day
// whose 24 hours are all needed through its day prefix), then GETs of exactly the log
// objects found there.
func TestS3ListsOnlyHoursInRange(t *testing.T) {
	fk := newFakeS3(t)
	files := testTree(t)
	fk.upload(t, "bedrock-logs/", append(slices.Clone(files), looseFiles(t)...))
	src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs", WithS3Client(fk.client()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		q       analytics.Query
		regions []string
		hours   []string
		// years is true when the range spans years: the region's year folders are listed
		// first, and only those are read.
		years bool
	}{
		{"two hours, all regions",
			analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")},
			[]string{"eu-central-1", "us-east-1"}, []string{"2025/11/03/10/", "2025/11/03/11/", "2025/11/03/12/"}, false},
		{"half an hour, one region",
			analytics.Query{Since: mustTime("2025-11-03T11:30:00Z"), Until: mustTime("2025-11-03T12:00:00Z"), Regions: []string{"us-east-1"}},
			[]string{"us-east-1"}, []string{"2025/11/03/11/", "2025/11/03/12/"}, false},
		{"a whole day and its edges",
			analytics.Query{Since: mustTime("2025-11-02T22:00:00Z"), Until: mustTime("2025-11-04T00:30:00Z")},
			[]string{"eu-central-1", "us-east-1"}, []string{"2025/11/02/22/", "2025/11/02/23/", "2025/11/03/", "2025/11/04/00/", "2025/11/04/01/"}, false},
		{"centuries, one region",
			analytics.Query{Since: mustTime("0001-01-02T00:00:00Z"), Until: mustTime("9999-12-30T00:00:00Z"), Regions: []string{"us-east-1"}},
			[]string{"us-east-1"}, []string{"2024/", "2025/"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := src.Usage(t.Context(), tc.q); err != nil {
				t.Fatal(err)
			}
			var dirLists, hourLists, gets []string
			for _, r := range fk.requests() {
				switch {
				case r.method == http.MethodGet && r.delimiter != "":
					dirLists = append(dirLists, r.prefix)
				case r.method == http.MethodGet && r.key == "":
					hourLists = append(hourLists, r.prefix)
				case r.method == http.MethodGet:
					gets = append(gets, r.key)
				default:
					t.Errorf("unexpected %s %q", r.method, r.key)
				}
			}
			base := "bedrock-logs/AWSLogs/"
			wantDirs := []string{base, base + testAccount + "/BedrockModelInvocationLogs/"}
			if tc.years {
				for _, reg := range tc.regions {
					wantDirs = append(wantDirs, base+testAccount+"/BedrockModelInvocationLogs/"+reg+"/")
				}
			}
			var wantHours, wantGets []string
			for _, reg := range tc.regions {
				for _, h := range tc.hours {
					hp := base + testAccount + "/BedrockModelInvocationLogs/" + reg + "/" + h
					wantHours = append(wantHours, hp)
					for _, f := range files {
						if strings.HasPrefix("bedrock-logs/"+f.rel, hp) && !f.body {
							wantGets = append(wantGets, "bedrock-logs/"+f.rel)
						}
					}
				}
			}
			for _, c := range []struct {
				name      string
				got, want []string
			}{
				{"delimiter listings", dirLists, wantDirs},
				{"hour listings", hourLists, wantHours},
				{"GETs", gets, wantGets},
			} {
				slices.Sort(c.got)
				slices.Sort(c.want)
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestS3Faults(t *testing.T) {
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	hour11 := "bedrock-logs/" + layoutDir("us-east-1", "2025-11-03T11:00:00Z")
	tests := []struct {
		name  string
		fault func(r request) (int, string)
		// wantErr is part of the error Usage must fail with; empty means success.
		wantErr string
		// drop are files whose records are lost; unreadable is how many skips that adds.
		drop       func(f file) bool
		unreadable int64
		unlisted   int64 // hours of the range whose listing failed
		sample     string
	}{
		{
			name: "access denied on discovery",
			fault: func(r request) (int, string) {
				if r.delimiter != "" {
					return http.StatusForbidden, "AccessDenied"
				}
				return 0, ""
			},
			wantErr: "access denied",
		},
		{
			name: "bucket in another region",
			fault: func(r request) (int, string) {
				if r.delimiter != "" {
					return http.StatusMovedPermanently, "PermanentRedirect"
				}
				return 0, ""
			},
			wantErr: "another region",
		},
		{
			name: "access denied on an hour listing",
			fault: func(r request) (int, string) {
				if r.key == "" && r.prefix == hour11 {
					return http.StatusForbidden, "AccessDenied"
				}
				return 0, ""
			},
			wantErr: "access denied",
		},
		{
			name: "server error on an hour listing",
			fault: func(r request) (int, string) {
				if r.key == "" && r.prefix == hour11 {
					return http.StatusInternalServerError, "InternalError"
				}
				return 0, ""
			},
			drop:       func(f file) bool { return strings.HasPrefix("bedrock-logs/"+f.rel, hour11) },
			unreadable: 1,
			unlisted:   1,
			sample:     "s3://" + testBucket + "/" + hour11,
		},
		{
			name: "a transient error on each first request, retried",
			fault: func() func(r request) (int, string) {
				var mu sync.Mutex
				seen := map[string]bool{}
				return func(r request) (int, string) {
					mu.Lock()
					defer mu.Unlock()
					id := r.method + " " + r.key + "?" + r.prefix + "&" + r.delimiter
					if r.method == http.MethodHead || seen[id] {
						return 0, ""
					}
					seen[id] = true
					return http.StatusServiceUnavailable, "SlowDown"
				}
			}(),
		},
		{
			name: "expired credentials on every GET",
			fault: func(r request) (int, string) {
				if r.key != "" {
					return http.StatusBadRequest, "ExpiredToken"
				}
				return 0, ""
			},
			wantErr: "nothing could be read: all 6 log objects failed to open",
		},
		{
			name: "every hour listing fails",
			fault: func(r request) (int, string) {
				if r.key == "" && r.delimiter == "" {
					return http.StatusInternalServerError, "InternalError"
				}
				return 0, ""
			},
			wantErr: "nothing could be read: all 6 listings failed (6 hours of logs)",
		},
		{
			name: "GET denied for one object",
			fault: func(r request) (int, string) {
				if strings.HasSuffix(r.key, "/a.json.gz") {
					return http.StatusForbidden, "AccessDenied"
				}
				return 0, ""
			},
			drop:       func(f file) bool { return strings.HasSuffix(f.rel, "/a.json.gz") },
			unreadable: 1,
			sample:     "s3://" + testBucket + "/bedrock-logs/" + layoutDir("us-east-1", "2025-11-03T10:00:00Z") + "a.json.gz",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fk := newFakeS3(t)
			files := testTree(t)
			fk.upload(t, "bedrock-logs/", files)
			fk.fault = tc.fault
			src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs/", WithS3Client(fk.client()))
			if err != nil {
				t.Fatal(err)
			}
			res, err := src.Usage(t.Context(), q)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kept, dropped []file
			for _, f := range files {
				if tc.drop != nil && tc.drop(f) {
					dropped = append(dropped, f)
				} else {
					kept = append(kept, f)
				}
			}
			w := expect(kept, q)
			if strings.Contains(tc.name, "listing") {
				// Nothing under the prefix was seen, so its non-log objects are not counted.
			} else {
				w.nonLog += expect(dropped, q).nonLog
			}
			w.unreadable += tc.unreadable
			check(t, res, q, w)
			if res.Skipped.UnlistedHours != tc.unlisted {
				t.Errorf("got %d unlisted hours, want %d", res.Skipped.UnlistedHours, tc.unlisted)
			}
			if tc.sample == "" {
				return
			}
			found := false
			for _, s := range res.Skipped.Samples {
				if s.Reason == invocationlog.SkipUnreadableFile && s.File == tc.sample {
					found = true
				}
			}
			if !found {
				t.Errorf("samples %v: want an unreadable_file sample for %s", res.Skipped.Samples, tc.sample)
			}
		})
	}
}

func TestS3MissingBucket(t *testing.T) {
	fk := newFakeS3(t)
	fk.upload(t, "bedrock-logs/", nil)
	tests := []struct {
		name string
		opts []Option
	}{
		{"given client", []Option{WithS3Client(fk.client())}},
		{"client built from config", []Option{WithAWSConfig(fk.config(), fk.options)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := New(t.Context(), "s3://no-such-bucket/bedrock-logs/", tc.opts...)
			if err == nil {
				_, err = src.Usage(t.Context(), analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")})
			}
			if err == nil || !strings.Contains(err.Error(), "not found") {
				t.Errorf("got error %v, want one saying the bucket was not found", err)
			}
		})
	}
}

// TestS3BucketRegion: without WithS3Client the source asks the bucket's region (HeadBucket)
// and signs its requests for that region.
func TestS3BucketRegion(t *testing.T) {
	fk := newFakeS3(t)
	files := testTree(t)
	fk.upload(t, "bedrock-logs/", files)
	fk.header = http.Header{"X-Amz-Bucket-Region": {"eu-central-1"}}
	src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs", WithAWSConfig(fk.config(), fk.options))
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, q, expect(files, q))
	reqs := fk.requests()
	if len(reqs) == 0 || reqs[0].method != http.MethodHead {
		t.Fatalf("first request: got %+v, want HEAD of the bucket", reqs)
	}
	for _, r := range reqs[1:] {
		if !strings.Contains(r.authorization, "/eu-central-1/s3/aws4_request") {
			t.Errorf("%s %s %s signed with %q, want the bucket's region eu-central-1", r.method, r.key, r.prefix, r.authorization)
			break
		}
	}
}

func TestS3Cancel(t *testing.T) {
	fk := newFakeS3(t)
	files := testTree(t)
	fk.upload(t, "bedrock-logs/", files)
	ctx, cancel := context.WithCancel(t.Context())
	fk.fault = func(r request) (int, string) {
		cancel() // cancel as soon as the engine talks to S3
		return 0, ""
	}
	src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs", WithS3Client(fk.client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Usage(ctx, analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")})
	if err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// TestS3FlatPrefix: a prefix without the Bedrock layout below it is read whole, each record
// filtered by its own timestamp.
func TestS3FlatPrefix(t *testing.T) {
	fk := newFakeS3(t)
	var files []file
	for _, f := range looseFiles(t) {
		if !strings.Contains(f.rel, "CloudTrail") {
			files = append(files, f)
		}
	}
	fk.upload(t, "exports/", files)
	q := analytics.Query{Since: mustTime("2025-11-03T00:00:00Z"), Until: mustTime("2025-11-04T00:00:00Z")}
	src, err := New(t.Context(), "s3://"+testBucket+"/exports", WithS3Client(fk.client()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	w := expect(files, q)
	if w.files != 1 || w.nonLog != 1 || w.totals.Calls != 1 {
		t.Fatalf("test expectation: got %+v, want one file, one non-log object, one call", w)
	}
	check(t, res, q, w)
}

// TestS3BodyFaults: an object whose stream breaks mid-body is resumed with a ranged GET from
// the byte it broke at; when that fails (an error, the object changed, it keeps breaking)
// the records before the break are kept and the object is counted unreadable with the
// reason. An object over smallObject is streamed and counted in full.
func TestS3BodyFaults(t *testing.T) {
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	hour := "2025-11-03T11:00:00Z"
	c := func(ts string, in int64) call {
		return call{ts: ts, region: "us-east-1", user: "WebPortal", model: haiku, in: in, out: in / 10}
	}
	three := []call{c("2025-11-03T11:01:00Z", 10), c("2025-11-03T11:02:00Z", 20), c("2025-11-03T11:03:00Z", 40)}
	plain := file{rel: layoutDir("us-east-1", hour) + "cut.json", region: "us-east-1", hour: hour, calls: three}
	plain.fill(t)
	twoLines := len(ndjson(t, three[:2]))

	// A big file: records with incompressible bodies, over smallObject once gzipped.
	var big []call
	for i := range 700 {
		big = append(big, c(time.Date(2025, 11, 3, 11, 10, 0, 0, time.UTC).Add(time.Duration(i)*time.Second).Format(time.RFC3339), int64(i)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var raw bytes.Buffer
	for _, bc := range big {
		rec := bc.record()
		noise := make([]byte, 3000)
		for i := range noise {
			noise[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng.IntN(36)]
		}
		rec.Input.InputBodyJSON = json.RawMessage(`{"prompt":"` + string(noise) + `"}`)
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		raw.Write(append(b, '\n'))
	}
	bigFile := file{rel: layoutDir("us-east-1", hour) + "big.json.gz", region: "us-east-1", hour: hour, calls: big, data: gz(t, raw.Bytes())}
	if len(bigFile.data) <= smallObject {
		t.Fatalf("big file is %d bytes, want over %d", len(bigFile.data), smallObject)
	}

	tests := []struct {
		name string
		// cut and fault act on GETs of cut.json: first is the plain GET, ranged a resume.
		cut   func(ranged bool) int
		fault func(ranged bool) (int, string)
		// resumed: every record arrives; else the two lines before the break are kept and
		// the object is unreadable with detail.
		resumed bool
		detail  string
		// extra are bytes read after the break that complete no line.
		extra int64
	}{
		{name: "cut once, resumed from the byte it broke at", cut: func(ranged bool) int { return map[bool]int{false: twoLines}[ranged] }, resumed: true},
		{name: "the resume fails", cut: func(ranged bool) int { return map[bool]int{false: twoLines}[ranged] },
			fault: func(ranged bool) (int, string) {
				if ranged {
					return http.StatusInternalServerError, "InternalError"
				}
				return 0, ""
			}, detail: "resuming it failed"},
		{name: "the object changed since", cut: func(ranged bool) int { return map[bool]int{false: twoLines}[ranged] },
			fault: func(ranged bool) (int, string) {
				if ranged {
					return http.StatusPreconditionFailed, "PreconditionFailed"
				}
				return 0, ""
			}, detail: "the object changed since"},
		{name: "breaks on every resume", cut: func(ranged bool) int { return map[bool]int{false: twoLines, true: 1}[ranged] }, detail: "after 3 resumes", extra: maxResumes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fk := newFakeS3(t)
			files := []file{plain, bigFile}
			fk.upload(t, "bedrock-logs/", files)
			fk.cut = func(r request) int {
				if strings.HasSuffix(r.key, "/cut.json") {
					return tc.cut(r.rng != "")
				}
				return 0
			}
			if tc.fault != nil {
				fk.fault = func(r request) (int, string) {
					if r.method == http.MethodGet && strings.HasSuffix(r.key, "/cut.json") {
						return tc.fault(r.rng != "")
					}
					return 0, ""
				}
			}
			src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs/", WithS3Client(fk.client()), WithFetchers(2), WithWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			res, err := src.Usage(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if tc.resumed {
				check(t, res, q, expect(files, q))
				var ranges []string
				for _, r := range fk.requests() {
					if r.rng != "" {
						ranges = append(ranges, r.rng)
					}
				}
				if want := []string{"bytes=" + strconv.Itoa(twoLines) + "-"}; !slices.Equal(ranges, want) {
					t.Errorf("got ranged GETs %q, want %q", ranges, want)
				}
				return
			}
			cutKept := plain
			cutKept.calls = three[:2]
			cutKept.data = plain.data[:twoLines]
			w := expect([]file{cutKept, bigFile}, q)
			w.unreadable = 1
			w.bytes += tc.extra
			check(t, res, q, w)
			if len(res.Skipped.Files) != 1 || !strings.Contains(res.Skipped.Files[0].Detail, tc.detail) {
				t.Errorf("got skipped files %+v, want cut.json with %q", res.Skipped.Files, tc.detail)
			}
		})
	}
}

// TestS3Accounts: every account under AWSLogs/ is discovered, and its regions.
func TestS3Accounts(t *testing.T) {
	fk := newFakeS3(t)
	hour := "2025-11-03T10:00:00Z"
	one := logFile(t, "us-east-1", hour, "a.json.gz", call{ts: "2025-11-03T10:01:00Z", region: "us-east-1", user: "WebPortal", model: haiku, in: 1, out: 2})
	two := logFile(t, "ap-northeast-1", hour, "b.json.gz", call{ts: "2025-11-03T10:02:00Z", region: "ap-northeast-1", user: "WebPortal", model: haiku, in: 10, out: 20})
	two.rel = strings.Replace(two.rel, testAccount, "210987654321", 1)
	fk.upload(t, "", []file{one, two})
	src, err := New(t.Context(), "s3://"+testBucket, WithS3Client(fk.client()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Usage(t.Context(), analytics.Query{Since: mustTime(hour), Until: mustTime("2025-11-03T11:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range res.AllRows() {
		got[r.Region] += r.InputTokens
	}
	want := map[string]int64{"us-east-1": 1, "ap-northeast-1": 10}
	if len(got) != len(want) || got["us-east-1"] != 1 || got["ap-northeast-1"] != 10 {
		t.Errorf("input tokens by region: got %v, want %v", got, want)
	}
}

// TestRangePrefixes: the prefixes for a range hold exactly its delivery hours (each once),
// and their number is bounded by the calendar, not by the hours.
func TestRangePrefixes(t *testing.T) {
	const region = "p/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/"
	// hoursOf expands a prefix to the delivery hours below it.
	hoursOf := func(p string) []time.Time {
		rest := strings.TrimSuffix(strings.TrimPrefix(p, region), "/")
		parts := strings.Split(rest, "/")
		layouts := []string{"2006", "2006/01", "2006/01/02", "2006/01/02/15"}
		start, err := time.Parse(layouts[len(parts)-1], rest)
		if err != nil {
			t.Fatalf("prefix %s: %v", p, err)
		}
		end := [](func(time.Time) time.Time){
			func(s time.Time) time.Time { return s.AddDate(1, 0, 0) }, func(s time.Time) time.Time { return s.AddDate(0, 1, 0) },
			func(s time.Time) time.Time { return s.AddDate(0, 0, 1) }, func(s time.Time) time.Time { return s.Add(time.Hour) },
		}[len(parts)-1](start)
		var hs []time.Time
		for h := start; h.Before(end); h = h.Add(time.Hour) {
			hs = append(hs, h)
		}
		return hs
	}
	rng := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2024, 12, 20, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		since := base.Add(time.Duration(rng.Int64N(int64(500 * 24 * time.Hour))))
		until := since.Add(time.Duration(1 + rng.Int64N(int64([]time.Duration{3 * time.Hour, 50 * time.Hour, 70 * 24 * time.Hour, 800 * 24 * time.Hour}[i%4]))))
		first, last, _ := invocationlog.HourRange(since, until)
		var got []time.Time
		ps := rangePrefixes(region, first, last, nil)
		for _, p := range ps {
			got = append(got, hoursOf(p)...)
		}
		slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
		if want := invocationlog.Hours(since, until); !slices.Equal(got, want) {
			t.Fatalf("%s to %s: prefixes %v cover %d hours, want the %d of the range", since, until, ps, len(got), len(want))
		}
		if years := last.Year() - first.Year() + 1; len(ps) > years+2*(12+31+24) {
			t.Errorf("%s to %s: %d prefixes, want at most %d", since, until, len(ps), years+2*(12+31+24))
		}
	}
	// Centuries, with the year folders that exist: a handful of prefixes.
	first, last, _ := invocationlog.HourRange(time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC))
	ps := rangePrefixes(region, first, last, map[int]bool{2025: true, 2026: true})
	if diff := cmp.Diff([]string{region + "2025/", region + "2026/"}, ps); diff != "" {
		t.Errorf("0001 to 9999 over two year folders (-want +got):\n%s", diff)
	}
}

// TestS3Pagination: with one key per listing page every object is still found, through
// continuation tokens; a listing that fails on a later page keeps the objects of the pages
// before it and says the hour may be partly missing.
func TestS3Pagination(t *testing.T) {
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	hour11 := "bedrock-logs/" + layoutDir("us-east-1", "2025-11-03T11:00:00Z")
	tests := []struct {
		name      string
		failLater bool
	}{
		{name: "every page read"},
		{name: "a later page fails", failLater: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fk := newFakeS3(t)
			files := testTree(t)
			fk.upload(t, "bedrock-logs/", files)
			fk.pageSize = 1
			if tc.failLater {
				fk.fault = func(r request) (int, string) {
					if r.key == "" && r.prefix == hour11 && r.token != "" {
						return http.StatusInternalServerError, "InternalError"
					}
					return 0, ""
				}
			}
			src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs/", WithS3Client(fk.client()))
			if err != nil {
				t.Fatal(err)
			}
			res, err := src.Usage(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			tokens := 0
			for _, r := range fk.requests() {
				if r.token != "" {
					tokens++
				}
			}
			if tokens == 0 {
				t.Fatal("no listing asked for a next page: the test does not page")
			}
			if !tc.failLater {
				check(t, res, q, expect(files, q))
				return
			}
			// The first page of hour 11 holds its first key (b.json.gz): the rest is lost.
			var kept []file
			for _, f := range files {
				if !strings.HasPrefix("bedrock-logs/"+f.rel, hour11) || strings.HasSuffix(f.rel, "/b.json.gz") {
					kept = append(kept, f)
				}
			}
			w := expect(kept, q)
			w.unreadable++
			check(t, res, q, w)
			if res.Skipped.UnlistedHours != 1 {
				t.Errorf("got %d unlisted hours, want 1", res.Skipped.UnlistedHours)
			}
			var details []string
			for _, f := range res.Skipped.Files {
				if f.File == "s3://"+testBucket+"/"+hour11 {
					details = append(details, f.Detail)
				}
			}
			if len(details) != 1 || !strings.Contains(details[0], "listing failed after 1 pages, objects of 1 hour may be missing") {
				t.Errorf("got skips %q for %s, want one saying the listing failed after a page", details, hour11)
			}
		})
	}
}

// TestPrefixHours: the hours of the range a folder holds, from its name and the range's ends.
func TestPrefixHours(t *testing.T) {
	const rp = "p/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/"
	first, last := mustTime("2025-11-03T22:00:00Z"), mustTime("2025-12-01T01:00:00Z")
	tests := []struct {
		prefix string
		want   int64
	}{
		{rp + "2025/11/03/22/", 1},
		{rp + "2025/11/03/", 2},       // 22:00 and 23:00
		{rp + "2025/11/04/", 24},      // a whole day
		{rp + "2025/11/", 2 + 27*24},  // the 3rd's last two hours, the 4th to the 30th
		{rp + "2025/12/", 2},          // 00:00 and 01:00 of the 1st
		{rp + "2025/", 2 + 27*24 + 2}, // the year, cut to the range
		{rp + "2024/", 0},
		{rp + "2025/13/", 0}, // not a month
		{rp + "data/", 0},
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.prefix, rp), func(t *testing.T) {
			if got := prefixHours(rp, tc.prefix, first, last); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
