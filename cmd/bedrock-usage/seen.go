package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

// The seen cache keeps the regions, applications, users and models of the last reports, so
// that the shell completes --region, --app, --user and --model with values the logs hold.
// It is a convenience: failing to read or write it never fails a command.

// seenCacheEnv overrides where the seen cache lives.
const seenCacheEnv = "BEDROCK_USAGE_SEEN_CACHE"

// maxSeen bounds each list of the cache.
const maxSeen = 500

// seenValues are the values a report saw, by flag.
type seenValues struct {
	Regions []string `json:"regions"`
	Apps    []string `json:"apps"`
	Users   []string `json:"users"`
	Models  []string `json:"models"`
}

func seenPath(env func(string) string) string {
	if p := env(seenCacheEnv); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "bedrock-usage", "seen.json")
}

func readSeen(path string) seenValues {
	var s seenValues
	if path == "" {
		return s
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

// rememberSeen adds a report's values to the cache (newest first, bounded).
func rememberSeen(path string, rep *analytics.Report) {
	if path == "" {
		return
	}
	s := readSeen(path)
	merge := func(old []string, add func(yield func(string))) []string {
		var fresh []string
		add(func(v string) {
			if v != "" && !slices.Contains(fresh, v) && len(fresh) < maxSeen {
				fresh = append(fresh, v)
			}
		})
		for _, v := range old {
			if !slices.Contains(fresh, v) && len(fresh) < maxSeen {
				fresh = append(fresh, v)
			}
		}
		return fresh
	}
	each := func(key func(r *analytics.PricedRow) string) func(func(string)) {
		return func(yield func(string)) {
			for i := range rep.Rows {
				yield(key(&rep.Rows[i]))
			}
		}
	}
	s.Regions = merge(s.Regions, each(func(r *analytics.PricedRow) string { return r.Region }))
	s.Apps = merge(s.Apps, each(func(r *analytics.PricedRow) string { return r.App }))
	s.Users = merge(s.Users, each(func(r *analytics.PricedRow) string { return r.User }))
	s.Models = merge(s.Models, each(func(r *analytics.PricedRow) string { return r.Model }))
	b, err := json.Marshal(s)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		_ = atomicfile.Write(path, b)
	}
}
