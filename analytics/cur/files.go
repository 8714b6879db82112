package cur

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// billingPeriodRE finds the billing-period folder Data Exports delivers into:
// …/data/BILLING_PERIOD=2025-11/….
var billingPeriodRE = regexp.MustCompile(`(?:^|/)BILLING_PERIOD=(\d{4}-\d{2})(?:/|$)`)

// WantFile says whether a key or path of the export holds line items of [since, until): a
// Parquet file in a billing-period folder that overlaps the range, or in no such folder.
func WantFile(key string, since, until time.Time) bool {
	key = filepath.ToSlash(key)
	if !strings.EqualFold(path.Ext(key), ".parquet") {
		return false
	}
	m := billingPeriodRE.FindStringSubmatch(key)
	if m == nil {
		return true
	}
	first, last := since.UTC().Format("2006-01"), until.UTC().Add(-time.Nanosecond).Format("2006-01")
	return m[1] >= first && m[1] <= last
}

// SelectFiles are the keys or paths of an export to read for [since, until) (WantFile):
// when some are in billing-period folders, only those, so that files beside an export's
// data (a copy, an earlier delivery) are not counted twice.
func SelectFiles(keys []string, since, until time.Time) []string {
	var inPeriod, other []string
	for _, k := range keys {
		if !WantFile(k, since, until) {
			continue
		}
		if billingPeriodRE.MatchString(filepath.ToSlash(k)) {
			inPeriod = append(inPeriod, k)
		} else {
			other = append(other, k)
		}
	}
	if len(inPeriod) > 0 || hasPeriodFolder(keys) {
		return inPeriod
	}
	return other
}

func hasPeriodFolder(keys []string) bool {
	for _, k := range keys {
		if billingPeriodRE.MatchString(filepath.ToSlash(k)) {
			return true
		}
	}
	return false
}

// ReadFolder reads the Parquet files of the export below root (SelectFiles) into items. A file
// that cannot be read is skipped and said why; the others are still read.
func ReadFolder(ctx context.Context, root string, since, until time.Time, items *Items) (files int, skipped []string, err error) {
	var paths []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("reading the export at %s: %w", root, err)
	}
	paths = SelectFiles(paths, since, until)
	slices.Sort(paths)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return files, skipped, err
		}
		if err := ReadFile(p, items); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		files++
	}
	return files, skipped, nil
}

// ReadFile reads one Parquet file of the export into items. On error, the file's line items
// are not added: a file counts whole or not at all.
func ReadFile(name string, items *Items) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	part := NewItems()
	if err := ReadParquet(f, st.Size(), part.Add); err != nil {
		return err
	}
	items.Merge(part)
	return nil
}

// Merge adds another Items' sums and counts.
func (s *Items) Merge(o *Items) {
	for _, it := range o.m {
		s.AddItem(*it, it.Quantity, it.Cost, it.Lines)
	}
	s.Read += o.Read
	s.Bedrock += o.Bedrock
}
