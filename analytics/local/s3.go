package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// S3API is what the engine needs from an S3 client.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// bucketHeader finds a bucket's region.
type bucketHeader interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

var _ bucketHeader = (*s3.Client)(nil)

// newS3Client builds a client from cfg (or the default configuration) in the bucket's region.
func newS3Client(ctx context.Context, bucket string, cfg *aws.Config, optFns []func(*s3.Options)) (*s3.Client, error) {
	if cfg == nil {
		c, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		cfg = &c
	}
	c := cfg.Copy()
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	client := s3.NewFromConfig(c, optFns...)
	region, err := bucketRegion(ctx, client, bucket)
	if err != nil {
		return nil, err
	}
	if region != "" && region != c.Region {
		opts := append(slices.Clone(optFns), func(o *s3.Options) { o.Region = region })
		client = s3.NewFromConfig(c, opts...)
	}
	return client, nil
}

// bucketRegion asks S3 where a bucket lives: HeadBucket answers with x-amz-bucket-region,
// also on the redirect or access-denied answer of another region's endpoint. An empty
// region means unknown (keep the configured one); only a missing bucket is an error here,
// anything else shows up, clearer, on the first listing.
func bucketRegion(ctx context.Context, c bucketHeader, bucket string) (string, error) {
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return aws.ToString(out.BucketRegion), nil
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if re.Response.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("bucket %q not found: %w", bucket, err)
		}
		return re.Response.Header.Get("X-Amz-Bucket-Region"), nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return "", nil
}

// s3Lister finds log objects under an S3 prefix.
type s3Lister struct {
	client S3API
	bucket string
	prefix string
	conc   int
}

// unit is one account and region's log folder.
type unit struct{ account, region string }

func (l *s3Lister) url(key string) string { return "s3://" + l.bucket + "/" + key }

func (l *s3Lister) list(ctx context.Context, q analytics.Query, k *sink) error {
	prefix := l.prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	base, sub := prefix, ""
	var fixed []string // account [, region] fixed by the prefix
	if i := strings.Index(prefix, "AWSLogs/"); i >= 0 && (i == 0 || prefix[i-1] == '/') {
		base = prefix[:i]
		parts := strings.Split(strings.TrimSuffix(prefix[i+len("AWSLogs/"):], "/"), "/")
		if parts[0] == "" {
			parts = nil
		}
		if len(parts) >= 2 && parts[1] != logsDir {
			return fmt.Errorf("s3://%s/%s is not a Bedrock model invocation log prefix (want …AWSLogs/{account}/%s/…)", l.bucket, l.prefix, logsDir)
		}
		fixed = parts[:min(len(parts), 3)]
		if len(parts) >= 2 {
			fixed = slices.Delete(slices.Clone(fixed), 1, 2) // drop BedrockModelInvocationLogs
		}
		if len(parts) > 3 {
			sub = prefix // a year, month, day or hour folder: list only what is below it
		}
	}

	var accounts []string
	if len(fixed) >= 1 {
		accounts = fixed[:1]
	} else {
		dirs, err := l.listDirs(ctx, base+"AWSLogs/", k)
		if err != nil {
			return err
		}
		accounts = dirs
		if len(accounts) == 0 {
			// Not the Bedrock layout: read every log file under the prefix.
			return l.listFlat(ctx, q, base, k)
		}
	}
	var units []unit
	for _, a := range accounts {
		if len(fixed) >= 2 {
			units = append(units, unit{a, fixed[1]})
			continue
		}
		regions, err := l.listDirs(ctx, base+"AWSLogs/"+a+"/"+logsDir+"/", k)
		if err != nil {
			return err
		}
		for _, r := range regions {
			units = append(units, unit{a, r})
		}
	}

	first, last, _ := invocationlog.HourRange(q.Since, q.Until)
	var prefixes []hourPrefix
	for _, u := range units {
		if len(q.Regions) > 0 && !slices.Contains(q.Regions, u.region) {
			continue
		}
		regionPrefix := invocationlog.RegionPrefix(base, u.account, u.region)
		var years map[int]bool
		if last.Year()-first.Year() >= 2 {
			// A range of years: list the year folders that exist (one request) rather than
			// a prefix for every year of the range.
			dirs, err := l.listDirs(ctx, regionPrefix, k)
			if err != nil {
				return err
			}
			years = map[int]bool{}
			for _, d := range dirs {
				if y, err := strconv.Atoi(d); err == nil && len(d) == 4 {
					years[y] = true
				}
			}
		}
		for _, p := range rangePrefixes(regionPrefix, first, last, years) {
			switch {
			case sub == "" || strings.HasPrefix(p, sub):
				prefixes = append(prefixes, hourPrefix{p, prefixHours(regionPrefix, p, first, last)})
			case strings.HasPrefix(sub, p):
				prefixes = append(prefixes, hourPrefix{sub, prefixHours(regionPrefix, sub, first, last)})
			}
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(l.conc, 1))
	for _, p := range prefixes {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return l.listObjects(gctx, p, k) })
	}
	return g.Wait()
}

// hoursText is "1 hour", "24 hours".
func hoursText(n int64) string {
	if n == 1 {
		return "1 hour"
	}
	return strconv.FormatInt(n, 10) + " hours"
}

// hourPrefix is a year, month, day or hour folder to list, and how many hours of the
// query's range it holds (what is lost when its listing fails).
type hourPrefix struct {
	prefix string
	hours  int64
}

// prefixHours is how many hours of first..last (inclusive) the folder p below regionPrefix
// spans: the folder's own span (from its yyyy/, yyyy/MM/, yyyy/MM/dd/ or yyyy/MM/dd/HH/
// name) cut to the range. A name that does not parse counts 0.
func prefixHours(regionPrefix, p string, first, last time.Time) int64 {
	rel := strings.TrimSuffix(strings.TrimPrefix(p, regionPrefix), "/")
	var start, next time.Time
	for _, lv := range []struct {
		layout string
		step   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006/01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006/01/02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006/01/02/15", func(t time.Time) time.Time { return t.Add(time.Hour) }},
	} {
		if len(rel) == len(lv.layout) {
			t, err := time.Parse(lv.layout, rel)
			if err != nil {
				return 0
			}
			start, next = t, lv.step(t)
			break
		}
	}
	if start.IsZero() {
		return 0
	}
	lo, hi := max(start.Unix(), first.Unix()), min(next.Unix(), last.Add(time.Hour).Unix())
	if hi <= lo {
		return 0
	}
	return (hi - lo) / 3600
}

// rangePrefixes are the prefixes to list for a unit's delivery hours first..last
// (inclusive), computed from the ends: a year, month or day wholly in the range is listed
// once through its folder, the hours at either end one by one. So a range costs at most a
// prefix per year, and 12 + 31 + 24 more at each end, never one per hour. years, when not
// nil, are the year folders that exist: the others are left out.
func rangePrefixes(regionPrefix string, first, last time.Time, years map[int]bool) []string {
	end := last.Add(time.Hour) // exclusive
	var out []string
	var span func(lo, hi time.Time, level int)
	// span adds the prefixes of [lo, hi), which lies within one folder of the level above.
	span = func(lo, hi time.Time, level int) {
		for t := lo; t.Before(hi); {
			var start, next time.Time
			var layout string
			switch level {
			case 0:
				start, next, layout = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC), time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC), "2006/"
			case 1:
				start, next, layout = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC), "2006/01/"
			case 2:
				start, next, layout = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC), "2006/01/02/"
			default:
				start, next, layout = t, t.Add(time.Hour), "2006/01/02/15/"
			}
			switch {
			case level == 0 && years != nil && !years[t.Year()]:
			case !start.Before(lo) && !next.After(hi):
				out = append(out, regionPrefix+start.Format(layout))
			default:
				inner := next
				if hi.Before(inner) {
					inner = hi
				}
				span(t, inner, level+1)
			}
			t = next
		}
	}
	span(first, end, 0)
	return out
}

// listDirs lists the sub-folders of prefix; objects directly in it are counted as non-log.
func (l *s3Lister) listDirs(ctx context.Context, prefix string, k *sink) ([]string, error) {
	var dirs []string
	p := s3.NewListObjectsV2Paginator(l.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, l.listErr(prefix, err)
		}
		for _, cp := range out.CommonPrefixes {
			d := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		for _, o := range out.Contents {
			k.skip(invocationlog.Skip{Reason: invocationlog.SkipNonLogObject, File: l.url(aws.ToString(o.Key)), Detail: "not a log file"})
		}
	}
	return dirs, nil
}

// listObjects queues every log object under an hour prefix. A listing that fails for a
// reason other than access or a missing bucket is counted as unreadable, not fatal.
func (l *s3Lister) listObjects(ctx context.Context, hp hourPrefix, k *sink) error {
	prefix := hp.prefix
	p := s3.NewListObjectsV2Paginator(l.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket), Prefix: aws.String(prefix),
	})
	for page := 0; p.HasMorePages(); page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if fatalListError(err) {
				return l.listErr(prefix, err)
			}
			k.st.listFailed.Add(1)
			detail := fmt.Sprintf("listing failed, %s of logs not read", hoursText(hp.hours))
			if page > 0 {
				// Objects of the earlier pages were queued; the hours may be partly read.
				detail = fmt.Sprintf("listing failed after %d pages, objects of %s may be missing", page, hoursText(hp.hours))
			}
			k.skip(invocationlog.Skip{Reason: invocationlog.SkipUnreadableFile, File: l.url(prefix), Detail: detail + ": " + err.Error(), Hours: hp.hours})
			return nil
		}
		if page == 0 {
			k.st.listOK.Add(1)
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			if !invocationlog.IsLogFile(key) {
				k.skip(invocationlog.Skip{Reason: invocationlog.SkipNonLogObject, File: l.url(key), Detail: "not a log file"})
				continue
			}
			if err := k.file(l.object(key, aws.ToInt64(o.Size))); err != nil {
				return err
			}
		}
	}
	return nil
}

// listFlat reads every log object under a prefix that does not follow the Bedrock layout
// (keys that do follow it are still pruned by hour and region).
func (l *s3Lister) listFlat(ctx context.Context, q analytics.Query, prefix string, k *sink) error {
	pr := newPruner(q)
	p := s3.NewListObjectsV2Paginator(l.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket), Prefix: aws.String(prefix),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return l.listErr(prefix, err)
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			if i := strings.LastIndex(key, "/"); i >= 0 && !pr.keepDir(key[:i]) {
				continue
			}
			if !invocationlog.IsLogFile("/" + strings.TrimPrefix(key, prefix)) {
				k.skip(invocationlog.Skip{Reason: invocationlog.SkipNonLogObject, File: l.url(key), Detail: "not a log file"})
				continue
			}
			if err := k.file(l.object(key, aws.ToInt64(o.Size))); err != nil {
				return err
			}
		}
	}
	return nil
}

// object is a log object whose body is streamed into the decoder.
func (l *s3Lister) object(key string, size int64) object {
	return object{name: l.url(key), small: size <= smallObject, open: func(ctx context.Context) (io.ReadCloser, error) {
		out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		return &resumingBody{ctx: ctx, l: l, key: key, etag: aws.ToString(out.ETag), size: aws.ToInt64(out.ContentLength), body: out.Body}, nil
	}}
}

// maxResumes is how many times one object's stream is picked up again after it broke.
const maxResumes = 3

// resumingBody is an object's body that survives a broken stream. The SDK's retryer retries
// a request until its response starts, never a body that breaks while it is read (a dropped
// connection, a reset, a read timeout): then the rest is asked for with a ranged GET of the
// same object version (If-Match on the first response's ETag), which goes through the
// retryer again, up to maxResumes times.
type resumingBody struct {
	ctx     context.Context
	l       *s3Lister
	key     string
	etag    string
	size    int64 // the first response's Content-Length; 0 when unknown
	body    io.ReadCloser
	off     int64
	resumes int
	failed  error // set once resuming failed: every later read returns it
}

func (b *resumingBody) Read(p []byte) (int, error) {
	if b.failed != nil {
		return 0, b.failed
	}
	for {
		n, err := b.body.Read(p)
		b.off += int64(n)
		switch {
		case err == nil || err == io.EOF:
			return n, err
		case n > 0:
			return n, nil // the error comes again on the next read, with nothing read
		case b.ctx.Err() != nil:
			return 0, err
		case b.size > 0 && b.off >= b.size:
			return 0, io.EOF // every byte arrived; only the end of the stream broke
		case b.resumes >= maxResumes:
			b.failed = fmt.Errorf("the stream broke at byte %d, after %d resumes: %w", b.off, b.resumes, err)
			return 0, b.failed
		}
		b.resumes++
		b.body.Close()
		in := &s3.GetObjectInput{Bucket: aws.String(b.l.bucket), Key: aws.String(b.key), Range: aws.String("bytes=" + strconv.FormatInt(b.off, 10) + "-")}
		if b.etag != "" {
			in.IfMatch = aws.String(b.etag)
		}
		out, gerr := b.l.client.GetObject(b.ctx, in)
		if gerr != nil {
			b.body = io.NopCloser(errReader{err})
			if statusOf(gerr) == http.StatusPreconditionFailed {
				b.failed = fmt.Errorf("the stream broke at byte %d (%v) and the object changed since: not resumed", b.off, err)
			} else {
				b.failed = fmt.Errorf("the stream broke at byte %d (%v); resuming it failed: %w", b.off, err, gerr)
			}
			return 0, b.failed
		}
		b.body = out.Body
	}
}

func (b *resumingBody) Close() error { return b.body.Close() }

func (l *s3Lister) listErr(prefix string, err error) error {
	msg := "listing"
	switch {
	case isCode(err, "NoSuchBucket") || statusOf(err) == http.StatusNotFound:
		msg = "bucket not found, listing"
	case isCode(err, "AccessDenied", "AllAccessDisabled") || statusOf(err) == http.StatusForbidden:
		msg = "access denied (the caller needs s3:ListBucket on the bucket and s3:GetObject on its logs), listing"
	case isCode(err, "PermanentRedirect") || statusOf(err) == http.StatusMovedPermanently:
		msg = "the bucket is in another region than the S3 client's"
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.Response != nil {
			if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
				msg += " (" + r + ")"
			}
		}
		msg += ", listing"
	}
	return fmt.Errorf("%s s3://%s/%s: %w", msg, l.bucket, prefix, err)
}

// fatalListError is an error that every other listing would hit too.
func fatalListError(err error) bool {
	if isCode(err, "NoSuchBucket", "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId",
		"SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "PermanentRedirect") {
		return true
	}
	switch statusOf(err) {
	case http.StatusForbidden, http.StatusNotFound, http.StatusMovedPermanently:
		return true
	}
	return false
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && slices.Contains(codes, ae.ErrorCode())
}

func statusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}
