package local

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// logsDir is the folder under AWSLogs/{account}/ that holds Bedrock's logs.
const logsDir = "BedrockModelInvocationLogs"

// folderLister walks a folder (through fsys, rooted at root), or yields a single file.
type folderLister struct {
	root   string
	fsys   fs.FS // the folder; nil for a single file
	single bool
}

func (f *folderLister) list(ctx context.Context, q analytics.Query, k *sink) error {
	if f.single {
		// A file named on its own is read whatever its name.
		path := f.root
		return k.file(object{name: path, open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }})
	}
	p := newPruner(q)
	rootSlash := strings.TrimSuffix(filepath.ToSlash(f.root), "/")
	return fs.WalkDir(f.fsys, ".", func(rel string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		name := filepath.Join(f.root, filepath.FromSlash(rel))
		if err != nil {
			if rel == "." {
				return fmt.Errorf("reading %s: %w", f.root, err)
			}
			k.skip(invocationlog.Skip{Reason: invocationlog.SkipUnreadableFile, File: name, Detail: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		full := rootSlash + "/" + rel
		if d.IsDir() {
			if rel != "." && !p.keepDir(full) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			// Never opened blindly: a FIFO would block the run, a device read forever, and a
			// symbolic link to a folder could loop. A link to a regular file is read.
			info, err := fs.Stat(f.fsys, rel)
			var why string
			switch {
			case err != nil:
				why = "a symbolic link that cannot be followed: " + err.Error()
			case info.IsDir():
				why = "a symbolic link to a folder, not followed (link the files, or give the folder itself as --source)"
			case !info.Mode().IsRegular():
				why = "not a regular file (" + info.Mode().Type().String() + "), not opened"
			}
			if why != "" {
				k.skip(invocationlog.Skip{Reason: invocationlog.SkipUnreadableFile, File: name, Detail: why})
				return nil
			}
		}
		if !isLogFile(full, rel) {
			k.skip(invocationlog.Skip{Reason: invocationlog.SkipNonLogObject, File: name, Detail: "not a log file"})
			return nil
		}
		return k.file(object{name: name, open: func(context.Context) (io.ReadCloser, error) { return f.fsys.Open(rel) }})
	})
}

// isLogFile classifies a file: by the Bedrock layout when its full path follows it, else by
// its path below the root (so a root such as /srv/data/logs does not make every file a
// data/ body object).
func isLogFile(full, rel string) bool {
	if _, ok := invocationlog.ParseLocation(full); ok {
		return invocationlog.IsLogFile(full)
	}
	return invocationlog.IsLogFile("/" + rel)
}

// pruner decides, from a folder's path alone, whether the Bedrock layout puts it outside a
// query: another service's folder under AWSLogs/{account}/, a region not asked for, or a
// year, month, day or hour folder outside the delivery hours the range needs.
type pruner struct {
	regions []string
	lo, hi  time.Time // delivery hours needed: [lo, hi)
}

// newPruner keeps the delivery hours invocationlog.Hours lists for the range (computed here
// without listing them, so a query over a century costs nothing).
func newPruner(q analytics.Query) *pruner {
	lo := q.Since.UTC().Truncate(time.Hour)
	hi := q.Until.UTC().Add(-time.Nanosecond).Truncate(time.Hour).Add(2 * time.Hour)
	return &pruner{regions: q.Regions, lo: lo, hi: hi}
}

// keepDir reports whether a folder (slash-separated path) may hold log files the query needs.
// Folders not in the layout are kept.
func (p *pruner) keepDir(full string) bool {
	segs := strings.Split(full, "/")
	i := slices.Index(segs, "AWSLogs")
	if i < 0 {
		return true
	}
	rest := segs[i+1:]
	// account, BedrockModelInvocationLogs, region, YYYY, MM, DD, HH
	if len(rest) < 2 {
		return true
	}
	if rest[1] != logsDir {
		return false // another service's logs (CloudTrail, …) share AWSLogs/{account}/
	}
	if len(rest) < 3 {
		return true
	}
	if len(p.regions) > 0 && !slices.Contains(p.regions, rest[2]) {
		return false
	}
	var ymdh [4]int
	limits := [4][2]int{{1970, 9999}, {1, 12}, {1, 31}, {0, 23}}
	n := min(len(rest)-3, 4)
	for j := range n {
		s := rest[3+j]
		v, err := strconv.Atoi(s)
		want := 2
		if j == 0 {
			want = 4
		}
		if err != nil || len(s) != want || v < limits[j][0] || v > limits[j][1] {
			return true // not the layout: read it and filter by timestamp
		}
		ymdh[j] = v
	}
	if n == 0 {
		return true
	}
	var from, to time.Time
	switch n {
	case 1:
		from = time.Date(ymdh[0], 1, 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(1, 0, 0)
	case 2:
		from = time.Date(ymdh[0], time.Month(ymdh[1]), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 1, 0)
	case 3:
		from = time.Date(ymdh[0], time.Month(ymdh[1]), ymdh[2], 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 0, 1)
	default:
		from = time.Date(ymdh[0], time.Month(ymdh[1]), ymdh[2], ymdh[3], 0, 0, 0, time.UTC)
		to = from.Add(time.Hour)
	}
	return from.Before(p.hi) && p.lo.Before(to)
}
